#!/usr/bin/env python3
"""An example of bnconf's output that a page quotes is what bnconf prints (ctest
docs.fuzzing_example_holds, docs.adapter_guide_example_holds): the command of the page's marker
"tested by ctest TEST: COMMAND" is run, with the plug-in given here in place of the --backend the
page names and a scratch folder in place of its --out folder (if any), and every line of the text
block after the marker must be a line of its output (the plug-in path and the folder written back
as the page writes them).

usage: example_output_test.py BNCONF PAGE TEST PLUGIN SCRATCH_DIR
"""
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

BNCONF, PAGE, TEST, PLUGIN, SCRATCH = sys.argv[1:6]

page = pathlib.Path(PAGE).read_text(encoding="utf-8")
example = re.search(r"<!-- tested by ctest " + re.escape(TEST) + r": (.*?) -->\n```text\n(.*?)```",
                    page, re.S)
if not example:
    sys.exit(f"{PAGE}: no example marked for {TEST}")
words = shlex.split(example.group(1))
backend = words[words.index("--backend") + 1]
out = words[words.index("--out") + 1] if "--out" in words else None
args = [PLUGIN if w == backend else SCRATCH if w == out else w for w in words[1:]]
shutil.rmtree(SCRATCH, ignore_errors=True)
done = subprocess.run([BNCONF, *args], capture_output=True, text=True, timeout=600)
printed = done.stdout.replace(PLUGIN, backend)
if out:
    printed = printed.replace(SCRATCH, out)
printed = printed.splitlines()
missing = [line for line in example.group(2).splitlines() if line not in printed]
shutil.rmtree(SCRATCH, ignore_errors=True)
for line in missing:
    print("FAIL: the page's line is not in the output:", line)
if missing:
    print("output:\n" + "\n".join(printed))
print(f"{len(missing)} line(s) of the example not printed")
sys.exit(1 if missing else 0)
