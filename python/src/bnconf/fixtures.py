"""Reads bnconf golden fixtures (schema v2, docs/fixture-format.md) into plain Python objects.

Nothing is verified here (the manifest check is `docs/examples/read_fixtures.py` and bnconf's job):
a producer only needs each case's attributes, its inputs as float64/int64 numpy arrays in logical
(N, C, ...) order, and the names and shapes of the outputs it must write. Cases are selected as
the CLI selects them: by tier and by bnconf's filter syntax (bnconf.case_filter)."""
import glob
import os
from dataclasses import dataclass, field

import h5py
import numpy as np

from bnconf.case_filter import filter_matches

SCHEMA_VERSION = 2
# Where the committed fixtures are when this package runs from a bnconf checkout
# (python/src/bnconf/ -> fixtures/); a pip-installed copy is not in a checkout.
_CHECKOUT_FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                  "fixtures")


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass
class Case:
    id: str
    tier: str
    operation: str  # forward_train ... error
    preset: str
    eps: float
    momentum: object  # float, or None for momentum_mode = cumulative_average
    convention: str  # weights_batch / weights_running (ignored when momentum is None)
    estimator: str  # unbiased / unbiased_clamped / population
    affine: bool
    tracked: bool
    shape: tuple
    layout: str  # channels_first / channels_last
    dtype: str  # f64 / f32 / f16 / bf16
    steps: int
    call: str = ""  # error cases: the entry point to invoke
    expected_error: str = ""
    inputs: dict = field(default_factory=dict)  # name -> numpy array (float64, int64 counters)
    expected: dict = field(default_factory=dict)  # output name -> shape tuple

    @property
    def entry(self):
        """The entry point to call: `call` for error cases, else the operation."""
        return self.call if self.operation == "error" else self.operation

    @property
    def rank(self):
        return len(self.shape)

    @property
    def channels(self):
        return int(self.shape[1]) if self.rank >= 2 else 0

    @property
    def values_per_channel(self):
        """M of docs/semantics.md: N times the spatial extent."""
        return int(np.prod(self.shape)) // self.channels if self.channels else 0


def _read_case(case_id, group):
    a = group.attrs
    exponential = _text(a["momentum_mode"]) == "exponential"
    case = Case(
        id=case_id, tier=_text(a["tier"]), operation=_text(a["operation"]),
        preset=_text(a["preset"]), eps=float(a["eps"]),
        momentum=float(a["momentum"]) if exponential else None,
        convention=_text(a["momentum_convention"]), estimator=_text(a["running_var_estimator"]),
        affine=bool(int(a["affine"])), tracked=bool(int(a["track_running_stats"])),
        shape=tuple(int(n) for n in a["shape"]), layout=_text(a["layout"]),
        dtype=_text(a["dtype"]), steps=int(a["steps"]),
        call=_text(a["call"]) if "call" in a else "",
        expected_error=_text(a["expected_error"]) if "expected_error" in a else "")
    for name, dataset in group["inputs"].items():
        case.inputs[name] = np.asarray(dataset[()])
    for name, dataset in group["expected"].items():
        case.expected[name] = tuple(dataset.shape)
    return case


def default_fixtures_dir():
    """The fixtures to use when none are named: $BNCONF_FIXTURES, else the committed fixtures/
    of the checkout this package runs from (PYTHONPATH=python/src or an editable install).
    Raises FileNotFoundError, saying what to do, when there is neither."""
    named = os.environ.get("BNCONF_FIXTURES")
    if named:
        if not os.path.isdir(named):
            raise FileNotFoundError(f"BNCONF_FIXTURES={named}: not a directory")
        return named
    checkout = os.path.normpath(_CHECKOUT_FIXTURES)
    if os.path.isfile(os.path.join(checkout, "manifest.json")):
        return checkout
    raise FileNotFoundError("no fixtures named and this bnconf package is not inside a bnconf "
                            "checkout: pass the fixtures directory (--fixtures, "
                            "--bnconf-fixtures) or set BNCONF_FIXTURES")


def default_fixture_paths():
    """The *.h5 files of default_fixtures_dir()."""
    return fixture_files([default_fixtures_dir()])


def fixture_files(paths):
    """The .h5 files named, a directory standing for its *.h5 files (sorted). A path that is
    neither a directory nor a file raises FileNotFoundError naming it."""
    files = []
    for path in paths:
        if os.path.isdir(path):
            files += sorted(glob.glob(os.path.join(path, "*.h5")))
        elif os.path.isfile(path):
            files.append(path)
        else:
            raise FileNotFoundError(f"fixtures: {path} is neither a directory nor a file")
    return files


def _open(path):
    f = h5py.File(path, "r")
    version = int(f.attrs["schema_version"])
    if version != SCHEMA_VERSION:
        f.close()
        raise ValueError(f"{path}: schema_version {version}, this reader knows {SCHEMA_VERSION}")
    return f


def tier_names(paths):
    """The tiers the given fixture files hold."""
    tiers = set()
    for path in fixture_files(paths):
        with _open(path) as f:
            tiers.update(_text(group.attrs["tier"]) for group in f["cases"].values())
    return tiers


def selected_ids(paths, tiers=None, case_filter=None):
    """[(file, case id)] of the cases the CLI's --tier/--filter would select, in file then id
    order, without reading any array (cheap enough for a test collection)."""
    selected = []
    for path in fixture_files(paths):
        with _open(path) as f:
            for case_id in sorted(f["cases"]):
                if not filter_matches(case_filter, case_id):
                    continue
                if tiers and _text(f["cases"][case_id].attrs["tier"]) not in tiers:
                    continue
                selected.append((path, case_id))
    return selected


def read_case(path, case_id):
    """One case of one fixture file, with its inputs."""
    with _open(path) as f:
        if case_id not in f["cases"]:
            raise KeyError(f"{path}: no case {case_id}")
        return _read_case(case_id, f["cases"][case_id])


def iter_cases(paths, case_filter=None, tiers=None):
    """Every case of the given files (or directories of *.h5) that `case_filter` (bnconf's
    filter syntax) and `tiers` select, in file then id order."""
    for path in fixture_files(paths):
        with _open(path) as f:
            for case_id in sorted(f["cases"]):
                if not filter_matches(case_filter, case_id):
                    continue
                group = f["cases"][case_id]
                if tiers and _text(group.attrs["tier"]) not in tiers:
                    continue
                yield _read_case(case_id, group)


def to_memory_order(x, layout, leading_axes=0):
    """Logical (N, C, spatial...) -> the array the layout asks the backend to be handed:
    channels_last memory is (N, spatial..., C). leading_axes=1 for a sequence's step axis."""
    if layout == "channels_last" and x.ndim >= leading_axes + 3:
        return np.ascontiguousarray(np.moveaxis(x, leading_axes + 1, -1))
    return np.ascontiguousarray(x)


def to_logical_order(y, layout, leading_axes=0):
    """Inverse of to_memory_order: (N, spatial..., C) -> (N, C, spatial...)."""
    if layout == "channels_last" and y.ndim >= leading_axes + 3:
        return np.ascontiguousarray(np.moveaxis(y, -1, leading_axes + 1))
    return np.ascontiguousarray(y)
