#!/usr/bin/env python3
"""The example finding of docs/fuzzing.md is what bnconf prints (ctest
docs.fuzzing_example_holds): the command of the marker "tested by ctest
docs.fuzzing_example_holds: COMMAND" is run, with the mutant plug-in in place of the name the page
gives it and a scratch folder in place of its --out folder, and every line of the text block after
the marker must be a line of its output (the plug-in path and the folder written back as the page
writes them).

usage: fuzzing_example_test.py BNCONF SOURCE_ROOT ONE_PASS_VARIANCE_PLUGIN SCRATCH_DIR
"""
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

BNCONF, ROOT, PLUGIN, SCRATCH = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4]

page = (ROOT / "docs" / "fuzzing.md").read_text(encoding="utf-8")
example = re.search(r"<!-- tested by ctest docs\.fuzzing_example_holds: (.*?) -->\n```text\n"
                    r"(.*?)```", page, re.S)
if not example:
    sys.exit("docs/fuzzing.md: no tested example")
words = shlex.split(example.group(1))
backend, out = words[words.index("--backend") + 1], words[words.index("--out") + 1]
args = [PLUGIN if w == backend else SCRATCH if w == out else w for w in words[1:]]
shutil.rmtree(SCRATCH, ignore_errors=True)
done = subprocess.run([BNCONF, *args], capture_output=True, text=True, timeout=600)
printed = done.stdout.replace(PLUGIN, backend).replace(SCRATCH, out).splitlines()
missing = [line for line in example.group(2).splitlines() if line not in printed]
shutil.rmtree(SCRATCH, ignore_errors=True)
for line in missing:
    print("FAIL: the page's line is not in the output:", line)
if missing:
    print("output:\n" + "\n".join(printed))
print(f"{len(missing)} line(s) of the example not printed")
sys.exit(1 if missing or done.returncode != 1 else 0)
