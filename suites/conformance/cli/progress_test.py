#!/usr/bin/env python3
"""The progress bar of `bnconf run` is drawn on a terminal only, and not under CI (CI set) or
TERM=dumb, whose logs keep every carriage return, nor with --quiet. Runs bnconf under a
pseudo-terminal."""
import os
import pty
import subprocess
import sys

bnconf = sys.argv[1]
args = [bnconf, "run", "--backend", "reference", "--tier", "errors"]


def on_terminal(extra_env, extra_args=()):
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TERM")}
    env.update(extra_env)
    primary, secondary = pty.openpty()
    process = subprocess.Popen([*args, *extra_args], stdout=subprocess.DEVNULL, stderr=secondary,
                               env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=300)
    return b"".join(chunks).decode(errors="replace")


failures = []
if "\r[" not in on_terminal({"TERM": "xterm"}):
    failures.append("no progress bar on a terminal")
if "\r[" in on_terminal({"TERM": "xterm", "CI": "true"}):
    failures.append("a progress bar under CI")
if "\r[" in on_terminal({"TERM": "dumb"}):
    failures.append("a progress bar with TERM=dumb")
if "\r[" in on_terminal({"TERM": "xterm"}, ["--quiet"]):
    failures.append("a progress bar with --quiet")
if failures:
    sys.exit("; ".join(failures))
print("progress only on a capable terminal outside CI")
