#!/usr/bin/env python3
"""A counter output prints every digit in every report: a results file whose num_batches_tracked
wrapped as an int32 (-2147483648 where 2147483648 is expected) or lost its last step as a
float (9007199254740990 where 9007199254740991 is expected) is judged by `bnconf check`, and the
terminal, JUnit and JSON reports give both values and the error in full, never "2.14748365e+09".

Usage: integer_outputs_test.py BNCONF SOURCE_ROOT SCRATCH_DIR   (exit 77: no h5py, skipped)
"""
import json
import pathlib
import shutil
import subprocess
import sys

try:
    import h5py
    import numpy as np
except ImportError:
    print("h5py and numpy are not available to", sys.executable)
    sys.exit(77)

BNCONF, ROOT, SCRATCH = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
FAILURES = []
# case -> (the counter the backend wrote, the counter expected, their difference)
CASES = {
    "core.counters.count_int32_max.forward_train": (-2147483648, 2147483648, 4294967296),
    "core.counters.count_2p53_minus_2.forward_train": (9007199254740990, 9007199254740991, 1),
}


def check(what, condition, detail=""):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        FAILURES.append(what)
        print("      " + str(detail).strip().replace("\n", "\n      ")[:3000])


shutil.rmtree(SCRATCH, ignore_errors=True)
SCRATCH.mkdir(parents=True)
results = SCRATCH / "results.h5"
# Every output as expected but the counter.
with h5py.File(ROOT / "fixtures" / "core.h5", "r") as fixtures, h5py.File(results, "w") as out:
    out.attrs["schema_version"] = np.int64(1)
    out.attrs["backend_name"] = "wrapped-counter"
    out.attrs["backend_version"] = "1"
    for case, (written, expected, _) in CASES.items():
        stored = fixtures["cases"][case]["expected"]
        check(f"{case}: the fixture expects {expected}",
              int(stored["num_batches_tracked"][()]) == expected,
              int(stored["num_batches_tracked"][()]))
        group = out.create_group(f"results/{case}")
        group.attrs["status"] = "ok"
        for name, dataset in stored.items():
            value = float(written) if name == "num_batches_tracked" else dataset[()]
            group.create_dataset(name, data=np.asarray(value, dtype="<f8"))

json_path, junit_path = SCRATCH / "report.json", SCRATCH / "report.xml"
done = subprocess.run([BNCONF, "check", "--results", str(results), "--filter",
                       ":".join(CASES), "--json", str(json_path), "--junit", str(junit_path)],
                      capture_output=True, text=True, timeout=300)
check("bnconf check fails both cases (exit 1)", done.returncode == 1,
      f"exit {done.returncode}: {done.stdout}{done.stderr}")
report = json.loads(json_path.read_text(encoding="utf-8"))
junit = junit_path.read_text(encoding="utf-8")
for case, (written, expected, error) in CASES.items():
    element = f"expected {expected}, actual {written}, error {error}, bound 0"
    reason = f"error {error} above bound 0"
    check(f"{case}: terminal: '{element}'", element in done.stdout and reason in done.stdout,
          done.stdout)
    check(f"{case}: JUnit: '{element}'", element in junit and reason in junit, junit)
    [entry] = [c for c in report["cases"] if c["id"] == case]
    [counter] = [o for o in entry["outputs"] if o["name"] == "num_batches_tracked"]
    check(f"{case}: JSON: the counter's values as integers and the reason in full",
          counter["expected"] == expected and counter["actual"] == written
          and isinstance(counter["expected"], int) and isinstance(counter["actual"], int)
          and counter["error"] == error and reason in counter["reason"], counter)
for text, where in ((done.stdout, "terminal"), (junit, "JUnit"), (json_path.read_text(), "JSON")):
    check(f"{where}: no counter in 9 significant digits",
          "e+09" not in text and "e+15" not in text, text[:3000])

print(f"{len(FAILURES)} failure(s)")
sys.exit(1 if FAILURES else 0)
