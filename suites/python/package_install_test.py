#!/usr/bin/env python3
"""The bnconf package (python/) installs with pip, offline, into a virtual environment that sees
Debian's numpy and h5py (venv --system-site-packages; pip install --no-deps
--no-build-isolation --no-index, the build backend being Debian's setuptools), and the installed
copy is what the venv imports: its modules, its version (the project's, from CMake), and its
pytest plugin entry point. The venv is the ctest fixture the pytest plugin tests run in.
pip builds in the source folder it is given, so it is given a copy (the checkout stays clean).
usage: package_install_test.py PYTHON REPO VENV PROJECT_VERSION"""
import os
import shutil
import subprocess
import sys

MODULES = ("case_filter", "fixtures", "judge", "layer", "producer", "pytest_plugin", "results")


def main(python, repo, venv, project_version):
    probe = subprocess.run([python, "-c", "import numpy, h5py"], capture_output=True, text=True)
    if probe.returncode != 0:  # ctest SKIP_RETURN_CODE, as the other Python tests
        print(f"SKIP: {python} cannot import numpy and h5py: {probe.stderr.strip()}")
        return 77
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([python, "-m", "venv", "--system-site-packages", venv], check=True)
    source = venv + "-source"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(os.path.join(repo, "python"), source,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_INDEX_URL")}
    interpreter = os.path.join(venv, "bin", "python")
    subprocess.run([interpreter, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                    "--no-index", "--no-cache-dir", "--disable-pip-version-check", source],
                   check=True, env=env)
    shown = subprocess.run(
        [interpreter, "-c", "import importlib, importlib.metadata as m, bnconf\n"
         f"for name in {MODULES!r}: importlib.import_module('bnconf.' + name)\n"
         "plugins = {e.name: e.value for e in m.entry_points(group='pytest11')}\n"
         "print(bnconf.__file__, bnconf.__version__, plugins.get('bnconf'))"],
        capture_output=True, text=True, env=env, cwd=venv, check=True).stdout.split()
    location, version, plugin = shown
    site = os.path.realpath(venv)
    assert os.path.realpath(location).startswith(site + os.sep), (location, site)
    assert version == project_version, (version, project_version)
    assert plugin == "bnconf.pytest_plugin", plugin
    print(f"bnconf {version} installed in {venv}: {location}; pytest11 entry point {plugin}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
