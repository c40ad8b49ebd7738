"""bnconf's Python side: read the golden fixtures, write results files that `bnconf check`
judges, the producer loop for framework backends, bnconf's case filter, and a pytest plugin
that makes one test per case of a Python BatchNorm (docs/python.md)."""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bnconf")
except PackageNotFoundError:  # run from the source tree (PYTHONPATH=python/src), not installed
    __version__ = "unknown"
