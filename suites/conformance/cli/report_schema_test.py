#!/usr/bin/env python3
"""Reports written by `bnconf run --json` validate against docs/schemas/run-report.schema.json:
a passing run, a failing one with an --expect file (failures, reruns, ratios, expectations) and a
run whose fixtures do not load; and the schema is strict enough to refuse a report that lacks a
field or misspells a status. What the schema cannot say is checked here: each output's histogram
has one count per bin of ratio_bins and counts no more than its elements, each failed output's
worst elements start with its worst element, and `exit` records the command's exit status.
Skipped (77) without python3-jsonschema."""
import json
import pathlib
import subprocess
import sys

try:
    import jsonschema
except ImportError:
    sys.exit(77)

bnconf, mutant, root, out = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), pathlib.Path(sys.argv[4])
out.mkdir(parents=True, exist_ok=True)
schema = json.loads((root / "docs" / "schemas" / "run-report.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
runs = {
    "pass": ["run", "--backend", "reference", "--tier", "errors,ieee"],
    "fail": ["run", "--backend", mutant, "--tier", "core", "--filter", "core.offset.*",
             "--expect", str(root / "backends" / "onednn" / "expected-failures.json")],
    "load_error": ["run", "--backend", "reference", "--fixtures", str(out / "missing")],
}
failures = []
reports = {}
for name, args in runs.items():
    path = out / f"{name}.json"
    status = subprocess.run([bnconf, *args, "--json", str(path)], capture_output=True,
                            timeout=600).returncode
    report = json.loads(path.read_text())
    reports[name] = report
    for error in validator.iter_errors(report):
        failures.append(f"{name}: {error.json_path}: {error.message[:200]}")
    if report.get("exit", {}).get("status") != status:
        failures.append(f"{name}: exit {report.get('exit')} in the report, {status} from bnconf")
    for case in report["cases"]:
        for o in case["outputs"]:
            where = f"{name}: {case['id']} {o['name']}"
            if len(o["ratio_histogram"]) != len(report["ratio_bins"]):
                failures.append(f"{where}: {len(o['ratio_histogram'])} bins counted")
            if sum(o["ratio_histogram"]) + o["non_finite_mismatches"] > o["elements"]:
                failures.append(f"{where}: more elements counted than it has")
            if "worst" in o and o["worst"][0]["index"] != o["worst_index"]:
                failures.append(f"{where}: the worst list does not start at the worst element")
failed_outputs = [o for c in reports["fail"]["cases"] for o in c["outputs"] if not o["passed"]]
if not failed_outputs or not all("worst" in o for o in failed_outputs if o.get("worst_index")):
    failures.append("a failed output of the failing run has no worst elements")
if not any("rerun" in c for c in reports["fail"]["cases"]):
    failures.append("the failing run has no rerun line")
broken = dict(reports["pass"])
del broken["cases"]
if validator.is_valid(broken):
    failures.append("the schema accepts a report without cases")
misspelt = json.loads(json.dumps(reports["pass"]))
misspelt["cases"][0]["status"] = "passed"
if validator.is_valid(misspelt):
    failures.append("the schema accepts an unknown status")
no_histogram = json.loads(json.dumps(reports["fail"]))
del next(c for c in no_histogram["cases"] if c["outputs"])["outputs"][0]["ratio_histogram"]
if validator.is_valid(no_histogram):
    failures.append("the schema accepts an output without its histogram")
if failures:
    sys.exit("\n".join(failures))
print(f"{len(runs)} reports valid; the schema refuses the three broken ones")
