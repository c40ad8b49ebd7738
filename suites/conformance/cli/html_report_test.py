#!/usr/bin/env python3
"""`bnconf run --html` writes one self-contained page that says what the JSON report says.

A mutant (one_pass_variance) over core.offset.* fails cases; its page must be well-formed (the
writer keeps it well-formed XML, so the strict parser applies; html.parser reads every tag), refer
to nothing outside itself (no src, no href but to its own anchors, no url() or @import, no
<link>, <img>, <iframe>...), give each case that did not pass an article with its id and the
rerun command the JSON gives, one <svg> plot per failed output with worst elements, and the same
distribution of error / bound as the JSON's histograms summed; its banner says the exit status
bnconf returned. A passing run's page says exit status 0 and has no case article.

Usage: html_report_test.py BNCONF MUTANT_PLUGIN OUT_DIR"""
import html.parser
import json
import pathlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

bnconf, mutant, out = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
out.mkdir(parents=True, exist_ok=True)
failures = []

# Tags that load something; attributes that point somewhere.
LOADING_TAGS = {"link", "img", "iframe", "object", "embed", "audio", "video", "source", "base",
                "track", "image", "use", "frame"}


class References(html.parser.HTMLParser):
    """Every tag, and every reference to something outside the page."""

    def __init__(self):
        super().__init__()
        self.tags = []
        self.external = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in LOADING_TAGS:
            self.external.append(f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            if name in ("src", "srcset", "data", "poster", "action", "formaction"):
                self.external.append(f"<{tag} {name}={value!r}>")
            if name.endswith("href") and not value.startswith("#"):
                self.external.append(f"<{tag} {name}={value!r}>")
            if name == "style" and re.search(r"url\(|@import", value):
                self.external.append(f"<{tag} style={value!r}>")
        self.in_style = tag == "style"

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        if self.in_style and re.search(r"url\(|@import", data):
            self.external.append("url() or @import in <style>")


def run(name, args):
    page, report = out / f"{name}.html", out / f"{name}.json"
    status = subprocess.run([bnconf, "run", *args, "--html", str(page), "--json", str(report)],
                            capture_output=True, text=True, timeout=600).returncode
    text = page.read_text(encoding="utf-8")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        failures.append(f"{name}: the page is not well-formed: {e}")
        root = None
    refs = References()
    refs.feed(text)
    if refs.external:
        failures.append(f"{name}: references outside the page: {refs.external[:5]}")
    if "svg" not in refs.tags and name == "failing":
        failures.append(f"{name}: html.parser found no <svg>")
    return status, text, root, json.loads(report.read_text())


def text_of(element):
    return "".join(element.itertext()).strip()


def has_class(element, name):
    return name in (element.get("class") or "").split()


def banner_says(root, status):
    verdict = next((e for e in root.iter("div") if has_class(e, "verdict")), None)
    return verdict is not None and text_of(verdict).startswith(f"exit status {status}")


# A failing run.
not_passed = []
status, text, root, report = run("failing", ["--backend", mutant, "--tier", "core",
                                             "--filter", "core.offset.*"])
if status != 1:
    failures.append(f"failing: exit status {status}, expected 1")
if root is not None:
    if not banner_says(root, status):
        failures.append(f"failing: the banner does not say exit status {status}")
    articles = {}
    for article in root.iter("article"):
        if has_class(article, "case"):
            articles[text_of(article.find("header/h3"))] = article
    not_passed = [c for c in report["cases"] if "rerun" in c]
    if not not_passed:
        failures.append("failing: the mutant failed no case (the test needs one)")
    for case in not_passed:
        article = articles.get(case["id"])
        if article is None:
            failures.append(f"failing: no article for {case['id']}")
            continue
        reruns = [text_of(code) for code in article.iter("code")]
        if reruns != [case["rerun"]]:
            failures.append(f"failing: {case['id']}: rerun {reruns}, the JSON says {case['rerun']}")
        plotted = [o["name"] for o in case["outputs"] if not o["passed"] and "worst" in o]
        for div in (d for d in article.iter("div") if has_class(d, "output")):
            name = text_of(div.find("h4/span"))
            plots = div.findall(".//svg")
            if name in plotted and len(plots) != 1:
                failures.append(f"failing: {case['id']} {name}: {len(plots)} plots")
            if name in plotted:
                plotted.remove(name)
        if plotted:
            failures.append(f"failing: {case['id']}: no plot for {plotted}")
    # The distribution table against the JSON's histograms, summed over every output.
    bins = [b["label"] for b in report["ratio_bins"]] + ["special-value mismatch"]
    sums = [0] * len(bins)
    for case in report["cases"]:
        for o in case["outputs"]:
            for b, n in enumerate(o["ratio_histogram"]):
                sums[b] += n
            sums[-1] += o["non_finite_mismatches"]
    table = next(e for e in root.iter("div") if has_class(e, "distribution")).find("table")
    shown = {}
    for row in table.find("tbody"):
        cells = [text_of(td) for td in row]
        shown[cells[0]] = int(re.sub(r"\D", "", cells[1]))
    expected = dict(zip(bins, sums))
    if shown != expected:
        failures.append(f"failing: the page's distribution {shown} is not the JSON's {expected}")

# A passing run.
status, text, root, report = run("passing", ["--backend", "reference", "--tier", "errors"])
if status != 0:
    failures.append(f"passing: exit status {status}, expected 0")
if root is not None:
    if not banner_says(root, 0):
        failures.append("passing: the banner does not say exit status 0")
    if any(has_class(a, "case") for a in root.iter("article")):
        failures.append("passing: a case article in a run that passed")

if failures:
    sys.exit("\n".join(failures))
print(f"the failing page ({len(not_passed)} cases that did not pass) and the passing page are "
      "well-formed, self-contained and agree with their JSON")
