"""What the packaging tests share: running a step with its output shown on failure, the
environment an installed bnconf runs in, and the check of the reference consumer's output."""
import os
import subprocess
import sys


def run(command, **kwargs):
    """Runs command (a list), echoing it; exits naming the command and its output on failure.
    Returns the completed process (text output captured)."""
    print("+ " + " ".join(str(part) for part in command), flush=True)
    result = subprocess.run([str(part) for part in command], text=True, capture_output=True,
                            check=False, **kwargs)
    if result.returncode != 0:
        print(result.stdout[-4000:])
        print(result.stderr[-4000:], file=sys.stderr)
        sys.exit(f"failed (exit {result.returncode}): {' '.join(str(p) for p in command[:3])}")
    return result


def add_sanitizer_flag_options(parser):
    """--compile-flags and --link-flags: under BNCONF_SANITIZE the installed static libraries are
    instrumented, so what links them must link the sanitizer runtimes too."""
    parser.add_argument("--compile-flags", default="")
    parser.add_argument("--link-flags", default="")


def installed_environment():
    """The environment without BNCONF_BACKEND_PATH, so that an installed CLI finds plug-ins only
    through its own install layout."""
    env = dict(os.environ)
    env.pop("BNCONF_BACKEND_PATH", None)
    return env


def check_reference_forward(output):
    """consumer-cmake/reference_forward.cpp's output against the values computed by hand.

    x = (1, 2, 3, 6) in one channel: batch mean 12 / 4 = 3, biased batch variance
    ((-2)^2 + (-1)^2 + 0^2 + 3^2) / 4 = 14 / 4 = 3.5; with eps 0.5, 1 / sqrt(3.5 + 0.5) = 1/2, so
    y = 2 * (x - 3) / 2 + 1 = x - 2 = (-1, 0, 1, 4). Every one of these is a double exactly, and
    the reference rounds correctly, so they must be exact.
    """
    expected = {"y": [-1.0, 0.0, 1.0, 4.0], "batch_mean": [3.0], "batch_var": [3.5]}
    got = {}
    for line in output.strip().splitlines():
        name, *values = line.split()
        got[name] = [float(v) for v in values]
    if got != expected:
        sys.exit(f"reference_forward printed {got}, expected {expected}")
    print("reference_forward: y, batch mean and batch variance as computed by hand")


def check_run_passed(result, what):
    """A `bnconf run`'s completed process (run() has checked exit 0): every selected case passed,
    and there was one. Its last line is the count line (docs/adapter-guide.md)."""
    count_line = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    fields = dict(item.split(":", 1) for item in count_line.split() if ":" in item)
    if fields.get("tests", "0") in ("0", "") or fields.get("pass") != fields.get("tests"):
        sys.exit(f"{what}: not every selected case passed: {count_line!r}")
    print(f"{what}: {count_line}")
