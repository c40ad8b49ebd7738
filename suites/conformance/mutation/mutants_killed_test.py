#!/usr/bin/env python3
"""scripts/mutants-killed (docs/maintaining.md) on the committed set: every mutant of the mutation
suite gets one line; unbiased normalisation, which changes y wherever a channel holds few values,
is caught by the PyTorch preset's forward_train and no mutant by a case the control fails; a
filter that selects nothing exits 3 and one that cpu-f32 cannot run says so.

usage: mutants_killed_test.py SOURCE_ROOT BUILD_DIR
"""
import pathlib
import re
import subprocess
import sys

ROOT, BUILD = pathlib.Path(sys.argv[1]), sys.argv[2]
SCRIPT = ROOT / "scripts" / "mutants-killed"
FAILURES = []


def check(what, condition, detail=""):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        FAILURES.append(what)
        print("      " + detail.strip().replace("\n", "\n      ")[:3000])


def killed(selection):
    done = subprocess.run([sys.executable, str(SCRIPT), "--build", BUILD, "--jobs", "2",
                           selection], capture_output=True, text=True, timeout=900)
    return done.returncode, done.stdout + done.stderr


mutants = re.findall(r"^BNCONF_CPU_F32_MUTATION\(\s*(\w+),",
                     (ROOT / "backends/bundled/cpu_f32_mutations.def").read_text(), re.M)
status, text = killed("core.presets.pytorch.forward_train")
lines = {m.group(2): m.group(1) for m in re.finditer(r"^(caught|survives) +(\w+) ", text, re.M)}
check("exit 0", status == 0, text)
check("one line per mutant of the .def file", sorted(lines) == sorted(mutants), text)
check("unbiased_normalise caught by core.presets.pytorch.forward_train",
      lines.get("unbiased_normalise") == "caught"
      and "core.presets.pytorch.forward_train" in text.split("unbiased_normalise")[1], text)
check("the control passes the case", "control cpu-f32: every run case passes" in text, text)
check("the summary counts the caught mutants",
      f"{sum(v == 'caught' for v in lines.values())} of {len(mutants)} mutants caught" in text,
      text)

status, text = killed("no.such.case")
check("a filter that selects nothing: exit 3", status == 3 and "selects no case" in text, text)
status, text = killed("core.dtypes.f64.*")
check("f64 cases, which cpu-f32 does not run: said, exit 0",
      status == 0 and "supports none of these cases" in text, text)

print(f"{len(FAILURES)} failure(s)")
sys.exit(1 if FAILURES else 0)
