#!/usr/bin/env python3
"""A lean build (-DBNCONF_LEAN=ON, docs/installing.md) configures, into a scratch folder, only
the parts of what is installed: every target it defines lies in the CLI, its libraries or the
bundled backends (none under suites/, benchmarks/, tools/, demo/ or a third-party backend's
folder, no example), the CLI among them. Configure only, with the targets read through CMake's
file API (codemodel-v2).

usage: lean_configure_test.py --cmake CMAKE --generator G --cxx CXX --source DIR --work DIR
"""
import argparse
import json
import pathlib
import shutil
import sys

from packaging_helpers import run

# The parts a lean build keeps (folders of the source tree; "." is the top level).
LEAN_PARTS = {".", "ieee", "reference", "cases", "formats", "generators", "generators/random",
              "adapters", "backends/bundled", "conformance", "fuzz", "cli"}

parser = argparse.ArgumentParser()
for option in ("cmake", "generator", "cxx", "source", "work"):
    parser.add_argument("--" + option, required=True)
args = parser.parse_args()

work = pathlib.Path(args.work)
shutil.rmtree(work, ignore_errors=True)
query = work / ".cmake" / "api" / "v1" / "query"
query.mkdir(parents=True)
(query / "codemodel-v2").touch()
run([args.cmake, "-S", args.source, "-B", work, "-G", args.generator, "-DBNCONF_LEAN=ON",
     "-DCMAKE_BUILD_TYPE=Release", f"-DCMAKE_CXX_COMPILER={args.cxx}"])

reply = work / ".cmake" / "api" / "v1" / "reply"
index = json.loads(max(reply.glob("index-*.json")).read_text())
codemodel_file = next(o["jsonFile"] for o in index["objects"] if o["kind"] == "codemodel")
configuration = json.loads((reply / codemodel_file).read_text())["configurations"][0]
folders = [d["source"] for d in configuration["directories"]]
targets = {t["name"]: folders[t["directoryIndex"]] for t in configuration["targets"]}

outside = sorted(f"{name} ({folder}/)" for name, folder in targets.items()
                 if folder not in LEAN_PARTS or "example" in name)
if outside or "bnconf" not in targets:
    sys.exit(f"lean build: targets outside the installed parts: {outside}; "
             f"the CLI (target bnconf): {targets.get('bnconf', 'missing')}")
print(f"lean build: {len(targets)} targets, all in {sorted(LEAN_PARTS)}")
