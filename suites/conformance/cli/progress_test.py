#!/usr/bin/env python3
"""The progress bar of `bnconf run` is drawn on a terminal only, and not under CI (CI set) or
TERM=dumb, whose logs keep every carriage return, nor with --quiet. Runs bnconf under a
pseudo-terminal."""
import os
import sys

from pseudo_terminal import run_on_terminal

bnconf = sys.argv[1]
args = [bnconf, "run", "--backend", "reference", "--tier", "errors"]


def on_terminal(extra_env, extra_args=()):
    """What the run draws on stderr, a terminal, in an environment without CI and TERM but
    extra_env."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TERM")}
    env.update(extra_env)
    return run_on_terminal([*args, *extra_args], env, stdout_on_terminal=False, timeout=300)[1]


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
