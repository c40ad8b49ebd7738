#!/usr/bin/env python3
"""The examples of docs/fixture-format.md hold (ctest docs.fixture_format_examples_hold):

- the Quick start command (the sh block after the marker "tested by ctest
  docs.fixture_format_examples_hold") runs from the source root with this interpreter in place of
  /usr/bin/python3, exits 0, and prints every line of the text block that follows it;
- the canonical attribute text example (the block after the marker naming a case) is the text
  docs/examples/read_fixtures.py makes of that committed case, its SHA-256 is the manifest's, and
  the case's seed follows the seed rule;
- the strides and buffer sizes of the strided views the element order section shows are
  view_geometry's (which suites/adapters/strided_view_test.cpp holds to the runner's);
- the pairwise group's figures (cases, combinations of its axes, axes) are those of the catalogue
  and the committed manifest, here and in docs/coverage.md (the size of each axis, in order).

usage: fixture_format_examples_test.py SOURCE_ROOT     (exit 77: no h5py, skipped)
"""
import hashlib
import json
import math
import pathlib
import re
import subprocess
import sys

try:
    import h5py  # noqa: F401  (the example reader needs it)
except ImportError:
    print("h5py is not available to", sys.executable)
    sys.exit(77)

root = pathlib.Path(sys.argv[1]).resolve()
doc = (root / "docs" / "fixture-format.md").read_text(encoding="utf-8")
sys.path.insert(0, str(root / "docs" / "examples"))
import read_fixtures  # noqa: E402

failures = []

# The Quick start command and the lines of its output the page quotes.
quick = re.search(r"<!-- tested by ctest docs\.fixture_format_examples_hold -->\n```sh\n(.*?)```"
                  r".*?```text\n(.*?)```", doc, re.S)
if not quick:
    sys.exit("docs/fixture-format.md: no tested Quick start block")
command = quick.group(1).replace("/usr/bin/python3", sys.executable)
result = subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=root, text=True,
                        capture_output=True, check=False)
lines = set(result.stdout.splitlines())
if result.returncode != 0:
    failures.append(f"the Quick start command exited {result.returncode}: "
                    f"{result.stdout[-1500:]}{result.stderr[-1500:]}")
for line in quick.group(2).splitlines():
    if line.strip() and line not in lines:
        failures.append(f"the Quick start output has no line {line!r}")

# The canonical attribute text of a committed case.
canonical = re.search(r"<!-- tested by ctest docs\.fixture_format_examples_hold: (\S+) -->\n```\n"
                      r"(.*?)```", doc, re.S)
if not canonical:
    sys.exit("docs/fixture-format.md: no tested canonical attribute text")
case_id, text = canonical.group(1), canonical.group(2)
manifest = json.loads((root / "fixtures" / "manifest.json").read_text(encoding="utf-8"))
tier = case_id.split(".")[0]
with h5py.File(root / "fixtures" / f"{tier}.h5", "r") as f:
    attrs = dict(f["cases"][case_id].attrs)
made = read_fixtures.canonical_text(attrs)
if made != text:
    failures.append(f"canonical text of {case_id}: the page has\n{text}\nthe case gives\n{made}")
digest = read_fixtures.sha256(text.encode("utf-8"))
if digest != manifest["files"][f"{tier}.h5"]["cases"][case_id]["attributes"]:
    failures.append(f"the page's canonical text of {case_id} is not the manifest's digest")
seed = int(hashlib.sha256(case_id.encode("utf-8")).hexdigest()[:16], 16) >> 1
if seed != int(attrs["seed"]):
    failures.append(f"seed of {case_id}: {int(attrs['seed'])}, the seed rule gives {seed}")

# The strided views of the element order section.
views = re.search(r"For shape \(([\d, ]+)\): strides \(s₀, s₁, s₂, s₃\) = \(([\d, ]+)\)\s+with"
                  r"\s+`channels_last`.*?a buffer of (\d+) elements; \(([\d, ]+)\)\s+with\s+"
                  r"`channels_first`, (\d+) elements", doc, re.S)
if not views:
    sys.exit("docs/fixture-format.md: no example of strided views")
shape = [int(n) for n in views.group(1).split(", ")]
for layout, strides, span in (("channels_last", views.group(2), views.group(3)),
                              ("channels_first", views.group(4), views.group(5))):
    got, offset, got_span = read_fixtures.view_geometry(shape, layout)
    quoted = ([int(n) for n in strides.split(", ")], 3, int(span))
    if quoted != (got, offset, got_span):
        failures.append(f"strided view of {shape} {layout}: the page says {quoted}, "
                        f"view_geometry gives {(got, offset, got_span)}")

# The pairwise group's figures.
figures = re.search(r"the core\s+`pairwise`\s+group:\s+(\d+)\s+cases\s+instead\s+of\s+the\s+(\d+)"
                    r"\s+combinations\s+of\s+its\s+(\d+)\s+axes", doc)
if not figures:
    sys.exit("docs/fixture-format.md: no figures of the pairwise group")
catalogue = json.loads((root / "generators" / "catalogue.json").read_text(encoding="utf-8"))
group = next(g for g in catalogue["groups"] if g["name"] == "pairwise" and g["tier"] == "core")
axes = group["pairwise"]
cases = [i for i in manifest["files"]["core.h5"]["cases"] if i.startswith("core.pairwise.")]
actual = (len(cases), math.prod(len(v) for v in axes.values()), len(axes))
quoted = tuple(int(n) for n in figures.groups())
if quoted != actual:
    failures.append(f"pairwise group: the page says {quoted} (cases, combinations, axes), "
                    f"the catalogue and manifest give {actual}")

# The same group in docs/coverage.md: its axes with their sizes, and the size of their product.
coverage = (root / "docs" / "coverage.md").read_text(encoding="utf-8")
listed = re.search(r"covers every pair of values of (\w+) axes at least once: (.*?)\.\n", coverage,
                   re.S)
product = re.search(r"The full product has ([\d ]+) combinations", coverage)
if not listed or not product:
    sys.exit("docs/coverage.md: no figures of the pairwise group")
numbers = {"seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
sizes = [int(n) for n in re.findall(r"\((\d+)\)", listed.group(2))]
quoted = (numbers.get(listed.group(1), -1), sizes, int(product.group(1).replace(" ", "")))
actual = (len(axes), [len(v) for v in axes.values()], math.prod(len(v) for v in axes.values()))
if quoted != actual:
    failures.append(f"docs/coverage.md's pairwise group: (axes, sizes, product) {quoted}, the "
                    f"catalogue gives {actual}")

for failure in failures:
    print("FAIL:", failure)
print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
