#!/usr/bin/env python3
"""`cmake --install` of this build into a fresh prefix (the fixture of the other packaging tests),
then: the install layout of docs/installing.md is there, the committed fixtures are installed
whole, and the installed CLI works out of the box from wherever it runs: `bnconf run` finds the
installed fixtures (the JSON report names them), `bnconf coverage --check` the installed catalogue,
and `bnconf backends` the third-party plug-ins this build made in the installed backend folder.

usage: install_test.py --cmake CMAKE --build BUILD --prefix PREFIX --source SOURCE
                       --bindir D --libdir D --includedir D --datadir D --filter GLOB
                       [--backends a;b]
"""
import argparse
import json
import pathlib
import shutil
import sys
import tempfile

from packaging_helpers import check_run_passed, installed_environment, run

parser = argparse.ArgumentParser()
for option in ("cmake", "build", "prefix", "source", "bindir", "libdir", "includedir", "datadir",
               "filter"):
    parser.add_argument("--" + option, required=True)
parser.add_argument("--backends", default="", help="';'-separated third-party plug-ins built")
args = parser.parse_args()

prefix = pathlib.Path(args.prefix)
shutil.rmtree(prefix, ignore_errors=True)
run([args.cmake, "--install", args.build, "--prefix", prefix])
files = [p for p in prefix.rglob("*") if p.is_file()]
print(f"installed {len(files)} files, {sum(p.stat().st_size for p in files)} bytes")

bindir, libdir, includedir = prefix / args.bindir, prefix / args.libdir, prefix / args.includedir
datadir = prefix / args.datadir / "bnconf"
expected = [
    bindir / "bnconf",
    includedir / "bnconf" / "adapter.h",
    includedir / "bnconf" / "adapter.hpp",
    includedir / "bnconf" / "reference" / "batch_norm.hpp",
    includedir / "bnconf" / "ieee" / "rounding.hpp",
    libdir / "libbnconf_reference.a",
    libdir / "libbnconf_adapter.a",
    libdir / "libbnconf_ieee.a",
    libdir / "cmake" / "bnconf" / "bnconfConfig.cmake",
    libdir / "cmake" / "bnconf" / "bnconfConfigVersion.cmake",
    libdir / "cmake" / "bnconf" / "bnconfTargets.cmake",
    libdir / "pkgconfig" / "bnconf-reference.pc",
    libdir / "pkgconfig" / "bnconf-adapter.pc",
    datadir / "catalogue.json",
]
# The committed golden set, byte for byte.
source_fixtures = sorted(pathlib.Path(args.source, "fixtures").glob("*.h5"))
source_fixtures.append(pathlib.Path(args.source, "fixtures", "manifest.json"))
missing = [str(p) for p in expected if not p.is_file()]
for fixture in source_fixtures:
    copy = datadir / "fixtures" / fixture.name
    if not copy.is_file() or copy.read_bytes() != fixture.read_bytes():
        missing.append(f"{copy} (a copy of {fixture})")
backends_dir = libdir / "bnconf" / "backends"
if not backends_dir.is_dir():
    missing.append(f"{backends_dir}/")
if missing:
    sys.exit("not installed: " + ", ".join(missing))
print(f"layout: {len(expected)} files, {len(source_fixtures)} fixture files, {backends_dir}")

bnconf = bindir / "bnconf"
env = installed_environment()
with tempfile.TemporaryDirectory() as scratch:
    # From a folder that is neither the source nor the build tree.
    report = pathlib.Path(scratch, "report.json")
    result = run([bnconf, "run", "--backend", "reference", "--tier", "core", "--filter",
                  args.filter, "--json", report], cwd=scratch, env=env)
    check_run_passed(result, "installed bnconf run")
    fixtures = json.loads(report.read_text())["fixtures"]
    if [pathlib.Path(f).resolve() for f in fixtures] != [(datadir / "fixtures").resolve()]:
        sys.exit(f"the installed bnconf ran the fixtures {fixtures}, not {datadir / 'fixtures'}")
    print(f"installed bnconf run: default fixtures {fixtures[0]}")

    run([bnconf, "coverage", "--check"], cwd=scratch, env=env)
    print("installed bnconf coverage --check: the installed catalogue")

    # `bnconf backends` prints "NAME VERSION ORIGIN", then an indented line: the capabilities,
    # or "cannot be opened: ..." for a plug-in that failed its probe.
    lines = run([bnconf, "backends"], cwd=scratch, env=env).stdout.splitlines()
    opened = {}
    for line, detail in zip(lines, lines[1:] + [""]):
        if line and not line[0].isspace() and not line.startswith("("):
            opened[pathlib.Path(line.split()[-1]).resolve()] = not detail.strip().startswith(
                "cannot be opened")
    for name in filter(None, args.backends.split(";")):
        library = (backends_dir / f"libbnconf_backend_{name}.so").resolve()
        if not opened.get(library):
            sys.exit(f"the installed CLI does not open {library}:\n" + "\n".join(lines))
        print(f"installed bnconf backends: {name} from {library}")
