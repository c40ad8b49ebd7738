#!/usr/bin/env python3
"""--quiet (run, check, fuzz) prints only the cases that did not pass and the count line: no
header, no table, no progress (even on a terminal). A quiet run that passes prints the count line
alone; a failing one the same blocks, with their rerun lines, as the full output.

Usage: quiet_test.py BNCONF MUTANT_PLUGIN RESULTS_FILE
  MUTANT_PLUGIN: a cpu-f32 mutant that fails core.presets.* (unbiased_normalise);
  RESULTS_FILE: a results file with a wrong y for core.sizes.2x3.channels_first.forward_train
  (suites/formats/corpus/results/70-valid.h5).
"""
import os
import re
import subprocess
import sys

from pseudo_terminal import run_on_terminal

BNCONF, MUTANT, RESULTS = sys.argv[1:4]
FAILURES = []
COUNT_LINE = re.compile(r"^tests:\d+ pass:\d+ fail:\d+ ")
FUZZ_COUNT_LINE = re.compile(r"^pass:\d+ fail:\d+ ")


def check(what, condition, detail=""):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        FAILURES.append(what)
        print("      " + detail.strip().replace("\n", "\n      ")[:3000])


def on_terminal(args):
    """stdout and stderr of bnconf run under a pseudo-terminal (where progress would be drawn)."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["TERM"] = "xterm"
    status, text = run_on_terminal([BNCONF, *args], env)
    return status, text.replace("\r\n", "\n")


def quiet_and_full(args):
    quiet = on_terminal([*args, "--quiet"])
    full = subprocess.run([BNCONF, *args], capture_output=True, text=True, timeout=600)
    return quiet, full


def blocks(text):
    """The lines of the blocks of cases that did not pass (from the status line of the first)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line == "Cases that did not pass:"), None)
    if start is None:
        return []
    return [line for line in lines[start:] if line and not COUNT_LINE.match(line)]


# run, passing: the count line and nothing else.
(status, text), _ = quiet_and_full(["run", "--backend", "reference", "--filter", "core.presets.*"])
lines = [line for line in text.splitlines() if line.strip()]
check("run --quiet, all pass: exit 0 and only the count line",
      status == 0 and len(lines) == 1 and COUNT_LINE.match(lines[0]), text)

# run, failing: the blocks of the full output, then the count line; no header, table, progress.
args = ["run", "--backend", MUTANT, "--filter", "core.presets.*"]
(status, text), full = quiet_and_full(args)
check("run --quiet, failing: exit 1 as without --quiet", status == 1 == full.returncode,
      f"{status} {full.returncode}")
check("run --quiet: the blocks of the cases that did not pass, with rerun lines, as without it",
      blocks(text) == blocks(full.stdout) and any("rerun: bnconf run" in b for b in blocks(text))
      and any(b.startswith("fail  core.presets.") for b in blocks(text)), text)
check("run --quiet: ends with the count line", COUNT_LINE.match(text.strip().splitlines()[-1]),
      text)
for absent in ("bnconf run: backend", "fixtures:", "cases selected", "tier     operation", "\r"):
    check(f"run --quiet: no {absent!r}", absent not in text, text)
check("run without --quiet: has the header and the table (the control)",
      "cases selected" in full.stdout and "tier     operation" in full.stdout, full.stdout)

# check: the same for a results file.
case = "core.sizes.2x3.channels_first.forward_train"
(status, text), full = quiet_and_full(["check", "--results", RESULTS, "--filter", case])
lines = [line for line in text.splitlines() if line.strip()]
check("check --quiet: exit 1, the case's block and the count line only",
      status == 1 and blocks(text) == blocks(full.stdout) and lines[1].startswith("fail  " + case)
      and COUNT_LINE.match(lines[-1]) and "bnconf check: backend" not in text
      and "tier     operation" not in text, text)

# fuzz: the findings and the count line; no header, summary sentence or progress.
args = ["fuzz", "--backend", MUTANT, "--cases", "20", "--seed", "1", "--stop-after", "1",
        "--max-shrink-runs", "5"]
(status, text), full = quiet_and_full(args)
lines = [line for line in text.splitlines() if line.strip()]
check("fuzz --quiet: exit 1 with the finding and the count line",
      status == 1 and lines[0].startswith("finding 1: ") and "repro" not in lines[-1]
      and any(FUZZ_COUNT_LINE.match(line) for line in lines[-2:]), text)
for absent in ("bnconf fuzz: backend", "fuzz: seed", "\rfuzz:"):
    check(f"fuzz --quiet: no {absent!r}", absent not in text, text)
check("fuzz without --quiet: has the header and the summary (the control)",
      "bnconf fuzz: backend" in full.stdout and "fuzz: seed 1" in full.stdout, full.stdout)

print(f"{len(FAILURES)} failure(s)")
sys.exit(1 if FAILURES else 0)
