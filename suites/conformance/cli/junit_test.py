#!/usr/bin/env python3
"""JUnit agrees with the exit status: failures the --expect file explains are <skipped> with the
explanation (exit 0, no failures in JUnit), unexplained ones are <failure> with the rerun line
(exit 1); every testsuite carries tests, failures, errors, skipped, time and timestamp, and the
totals add up."""
import json
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

bnconf, mutant, out = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
out.mkdir(parents=True, exist_ok=True)
selection = ["--tier", "core", "--filter", "core.offset.*f32*"]
failures = []


def run(junit, *extra):
    process = subprocess.run([bnconf, "run", "--backend", mutant, *selection, "--junit",
                              str(junit), *extra], capture_output=True, text=True, timeout=600)
    return process.returncode, ET.parse(junit).getroot()


def check_counts(root, name):
    for suite in root.iter("testsuite"):
        for attribute in ("tests", "failures", "errors", "skipped", "time", "timestamp"):
            if attribute not in suite.attrib:
                failures.append(f"{name}: testsuite {suite.get('name')} lacks {attribute}")
        cases = suite.findall("testcase")
        if int(suite.get("tests")) != len(cases):
            failures.append(f"{name}: {suite.get('name')} tests != its testcases")
        for tag in ("failure", "error", "skipped"):
            counted = sum(1 for c in cases if c.find(tag) is not None)
            if int(suite.get(tag + "s" if tag != "skipped" else "skipped")) != counted:
                failures.append(f"{name}: {suite.get('name')} {tag} count differs from its cases")


status, root = run(out / "unexplained.xml")
check_counts(root, "unexplained")
failed = [c for c in root.iter("testcase") if c.find("failure") is not None]
if status != 1 or not failed:
    failures.append(f"unexplained failures: exit {status}, {len(failed)} <failure> elements")
elif "rerun: bnconf run" not in (failed[0].find("failure").text or ""):
    failures.append("a <failure> without its rerun line")

expect = out / "expect.json"
expect.write_text(json.dumps({"backend": "mutant_one_pass_variance", "expected_failures": [
    {"cases": "core.offset.*", "kind": "backend bug", "reason": "one-pass variance (a test)"}]}))
status, root = run(out / "explained.xml", "--expect", str(expect))
check_counts(root, "explained")
skipped = [c for c in root.iter("testcase") if c.find("skipped") is not None and
           "expected failure" in c.find("skipped").get("message", "")]
if status != 0 or root.get("failures") != "0" or root.get("errors") != "0" or not skipped:
    failures.append(f"explained failures: exit {status}, failures={root.get('failures')}, "
                    f"errors={root.get('errors')}, {len(skipped)} skipped as expected")
if failures:
    sys.exit("\n".join(failures))
print("JUnit agrees with the exit status, with and without --expect")
