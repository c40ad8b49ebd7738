#!/usr/bin/env python3
"""The exit-status contract of docs/exit-codes.md, one row at a time, on the bundled backends and
the committed fixtures: 0 passed, 1 failed, 2 usage or file error, 3 nothing selected, 4 nothing
tested or a requirement unmet; --allow-empty, --min-pass and --require."""
import subprocess
import sys

bnconf, mutant = sys.argv[1], sys.argv[2]
failures = []


def expect(status, *args):
    run = subprocess.run([bnconf, *args], capture_output=True, text=True, timeout=600)
    if run.returncode != status:
        failures.append(f"bnconf {' '.join(args)}: exit {run.returncode}, expected {status}\n"
                        f"{run.stderr[-600:]}")
    return run


errors = ["run", "--backend", "reference", "--tier", "errors"]
expect(0, *errors)
expect(1, "run", "--backend", mutant, "--tier", "core", "--filter", "core.presets.*")
expect(2, "run", "--backend", "reference", "--tier", "cor")
expect(2, "run", "--backend", "reference", "--fixtures", "/nonexistent/fixtures")
expect(2, "run", "--backend", "no-such-backend")
expect(3, "run", "--backend", "reference", "--filter", "no.such.case*")
expect(0, "run", "--backend", "reference", "--filter", "no.such.case*", "--allow-empty")
# cpu-f32 computes in float: it declines every f64 case.
f64_only = ["run", "--backend", "cpu-f32", "--tier", "core", "--filter", "core.dtypes.*f64*"]
run = expect(4, *f64_only)
if "declined all" not in run.stderr:
    failures.append("nothing-ran is not explained on stderr:\n" + run.stderr[-400:])
expect(0, *f64_only, "--allow-empty")
expect(4, *errors, "--min-pass", "100000")
expect(0, *errors, "--min-pass", "1")
run = expect(4, "run", "--backend", "cpu-f32", "--tier", "core", "--filter", "core.dtypes.*",
             "--require", "f32,f64")
if "--require f64" not in run.stderr:
    failures.append("an unmet requirement is not named on stderr:\n" + run.stderr[-400:])
expect(0, "run", "--backend", "cpu-f32", "--tier", "core", "--filter", "core.dtypes.*",
       "--require", "f32,bf16,forward_train,core")
expect(2, "run", "--backend", "cpu-f32", "--require", "f33")
expect(3, "list", "--filter", "no.such.case*")
expect(2, "show", "no.such.case")
expect(0, "--version")
for verb in ("run", "check", "gen", "fuzz", "list", "show", "coverage", "backends", "matrix",
             "schema"):
    expect(0, verb, "--version")
run = expect(2, "rnu", "--backend", "reference")
if "did you mean 'run'" not in run.stderr:
    failures.append("a mistyped verb is not answered with the nearest one:\n" + run.stderr)

if failures:
    print("\n\n".join(failures))
    sys.exit(1)
print("every row of the contract holds")
