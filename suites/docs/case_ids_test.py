#!/usr/bin/env python3
"""Every case id the README and docs/ name is a case (ctest docs.case_ids_name_real_cases): a
committed case (`bnconf list`), a group or id prefix of committed cases, a case of an on-demand
group of the catalogue (not committed), or a fuzzer's id (<tier>.fuzz.s<seed>.c<draw>). An
example id that a catalogue change renamed or removed fails here until the page is updated.

usage: case_ids_test.py BNCONF SOURCE_ROOT
"""
import json
import pathlib
import re
import subprocess
import sys

BNCONF, ROOT = sys.argv[1], pathlib.Path(sys.argv[2])


def main():
    tiers = [line.split("|")[1].strip().strip("`") for line in subprocess.run(
        [BNCONF, "schema", "tiers"], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.startswith("| `")]
    listing = subprocess.run([BNCONF, "list"], capture_output=True, text=True, check=True).stdout
    ids = {line.split()[0] for line in listing.splitlines() if line.strip()}
    prefixes = {i[:k] for i in ids for k in range(len(i)) if i[k] == "."}
    catalogue = json.loads((ROOT / "generators" / "catalogue.json").read_text(encoding="utf-8"))
    on_demand = [f"{g['tier']}.{g['name']}" for g in catalogue["groups"] if g.get("on_demand")]
    # An id: a tier, then dot-separated parts (a part may hold dots inside, e.g. "m0.5", "eps1e-05").
    pattern = re.compile(r"(?<![\w./-])(?:" + "|".join(map(re.escape, tiers)) +
                         r")\.[A-Za-z0-9_]+(?:\.[A-Za-z0-9_+-]+)*")
    fuzz = re.compile(r"^(?:" + "|".join(map(re.escape, tiers)) + r")\.fuzz\.s\d+\.c\d+$")
    not_ids = re.compile(r"\.(h5|hpp|cpp|md|py|json)$")
    failures, seen = [], 0
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in pattern.finditer(line):
                text = match.group(0).rstrip(".")
                after = line[match.end():match.end() + 1]
                if not_ids.search(text) or after in ("*", "_") or text.endswith("_"):
                    continue  # a file name, or the start of a pattern ("errors.invalid_*")
                seen += 1
                if (text in ids or text in prefixes or fuzz.match(text)
                        or any(text == g or text.startswith(g + ".") for g in on_demand)):
                    continue
                failures.append(f"{path.relative_to(ROOT)}:{number}: {text} is not a case")
    for failure in failures:
        print("FAIL:", failure)
    print(f"{seen} case ids checked, {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
