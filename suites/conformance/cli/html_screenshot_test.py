#!/usr/bin/env python3
"""The HTML report renders in a real browser: Debian's chromium, headless and cut off from any
network, takes a 1280x1800 screenshot of the page of a failing run (a mutant) and of a passing
one. Each screenshot must exist at that size and not be blank (many colours, no colour covering
most of it), and show the colours the page's own stylesheet gives its verdict banner and the
statuses it has: red (fail) and green (pass) on the failing page, green on the passing one.
The screenshots stay in OUT_DIR (html-report-failing.png, html-report-passing.png) for a person
to look at. Skipped (77) without chromium or python3-pil.

Usage: html_screenshot_test.py BNCONF MUTANT_PLUGIN OUT_DIR"""
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

try:
    from PIL import Image
except ImportError:
    sys.exit(77)

bnconf, mutant, out = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
chromium = shutil.which("chromium")
if chromium is None:
    sys.exit(77)
out.mkdir(parents=True, exist_ok=True)
WIDTH, HEIGHT = 1280, 1800
failures = []


def screenshot(page, png):
    """chromium's screenshot of `page`, retried once: under load it can take half a minute."""
    for attempt in range(2):
        png.unlink(missing_ok=True)
        with tempfile.TemporaryDirectory(dir=out) as profile:
            try:
                subprocess.run(
                    [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                     f"--window-size={WIDTH},{HEIGHT}", "--force-device-scale-factor=1",
                     # No network: every host name fails to resolve.
                     "--host-resolver-rules=MAP * ~NOTFOUND",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-extensions", "--disable-dev-shm-usage", "--no-first-run",
                     f"--user-data-dir={profile}", f"--screenshot={png}", page.as_uri()],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=150)
            except subprocess.TimeoutExpired:
                continue
        if png.exists():
            return True
    return False


def css_colour(page_text, selector, prop):
    """The colour the page's stylesheet gives `prop` in `selector`, as RGB."""
    found = re.search(re.escape(selector) + r"\{[^}]*?" + re.escape(prop) + r":#([0-9a-f]{6})",
                      page_text)
    if not found:
        failures.append(f"the stylesheet has no {prop} for {selector}")
        return None
    return tuple(int(found.group(1)[i:i + 2], 16) for i in (0, 2, 4))


def check(name, args, expected_status, status_classes):
    page, png = out / f"html-report-{name}.html", out / f"html-report-{name}.png"
    page.unlink(missing_ok=True)
    status = subprocess.run([bnconf, "run", *args, "--html", str(page)], capture_output=True,
                            timeout=600).returncode
    if status != expected_status:
        failures.append(f"{name}: exit status {status}, expected {expected_status}")
    if not screenshot(page, png):
        failures.append(f"{name}: chromium wrote no screenshot")
        return
    image = Image.open(png).convert("RGB")
    if image.size != (WIDTH, HEIGHT):
        failures.append(f"{name}: screenshot {image.size}, expected {(WIDTH, HEIGHT)}")
    colours = image.getcolors(maxcolors=WIDTH * HEIGHT)
    most = max(n for n, _ in colours)
    if len(colours) < 100 or most > 0.85 * WIDTH * HEIGHT:
        failures.append(f"{name}: looks blank: {len(colours)} colours, the commonest on "
                        f"{100 * most / (WIDTH * HEIGHT):.0f} % of it")
    counts = {rgb: n for n, rgb in colours}
    text = page.read_text(encoding="utf-8")
    verdict = ".v-pass" if expected_status == 0 else ".v-fail"
    wanted = [(verdict, "--verdict", 5000)] + [(f".s-{s}", "color", 100) for s in status_classes]
    for selector, prop, least in wanted:
        rgb = css_colour(text, selector, prop)
        if rgb is not None and counts.get(rgb, 0) < least:
            failures.append(f"{name}: {selector}'s colour #{bytes(rgb).hex()} on "
                            f"{counts.get(rgb, 0)} pixels, expected {least} or more")
    print(f"{png} ({len(colours)} colours)")


check("failing", ["--backend", mutant, "--tier", "core", "--filter", "core.offset.*"], 1,
      ["fail", "pass"])
check("passing", ["--backend", "reference", "--tier", "errors,ieee"], 0, ["pass"])
if failures:
    sys.exit("\n".join(failures))
print("both pages render: sized, not blank, in their status colours")
