#!/usr/bin/env python3
"""The adapter guide's hand build, run as written: the shell block of docs/adapter-guide.md that
follows the marker "tested by ctest adapters.hand_built_example_passes" is executed from the
source root with the library written to a scratch folder and `build/release/cli/bnconf` replaced
by the bnconf under test. Passes when the compiler accepts exactly the files the guide names and
the resulting backend passes every case it declares.

usage: hand_build_test.py SOURCE_ROOT BNCONF SCRATCH_DIR
"""
import pathlib
import re
import subprocess
import sys

root, bnconf, scratch = pathlib.Path(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3])
guide = (root / "docs" / "adapter-guide.md").read_text(encoding="utf-8")
match = re.search(r"<!-- tested by ctest adapters\.hand_built_example_passes -->\n```sh\n(.*?)```",
                  guide, re.S)
if not match:
    sys.exit("docs/adapter-guide.md has no tested hand-build block")
scratch.mkdir(parents=True, exist_ok=True)
library = str(scratch / "libexample_eval.so")
script = re.sub(r"(\./)?libexample_eval\.so", library, match.group(1))
script = script.replace("build/release/cli/bnconf", bnconf)
print(script)
result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=root, text=True,
                        capture_output=True, check=False)
print(result.stdout[-2000:])
print(result.stderr[-2000:], file=sys.stderr)
count_line = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
passed = re.search(r"\bpass:(\d+)", count_line)
if result.returncode != 0 or not passed or int(passed.group(1)) == 0:
    sys.exit(f"hand build or run failed (exit {result.returncode}): {count_line}")
