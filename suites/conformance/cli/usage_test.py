#!/usr/bin/env python3
"""The command line under hostile values (issue 13), run as a user would: every bad value is
refused with exit status 2 and one message naming it (`run` and `fuzz`); a backtracking-prone
filter finishes; a plug-in that crashes on load neither kills `bnconf backends` nor `run` nor
`fuzz`; an unknown backend name loads nothing; a fixture set that lacks a file its manifest
lists, or holds a file that crashes libhdf5, fails the run with the file named and a complete
report; gen --check survives that file; a closed standard output does not cost the report. A
mistyped tier names the nearest one (run, check, list, gen); report paths in directories that do
not exist yet have them made (run, fuzz), and a directory that cannot be made is named.

Usage: usage_test.py BNCONF SOURCE_ROOT CRASH_ON_LOAD_PLUGIN SHORT_TABLE_PLUGIN

Before issue 13 (recorded per check): --timeout inf/nan/0/-1, --tier bogus, --shard 0/-1,
--fixtures twice and the shared report path were accepted; CLI11's own errors exited 105-109;
the filter never finished; `backends` and `run --backend typo` died with the crashing plug-in;
the set lacking a file exited 0; the flipped byte crashed run and gen --check; a report path
naming a FIFO or a device was replaced by a regular file (so the refusals here use a FIFO of the
scratch directory, never a device: an old bnconf run as root would replace /dev/null). Before
the maintenance branch: `--tier cor` said only "'cor' is not a tier" (list and gen accepted any
tier), and `--json a/b/report.json` failed unless a/b existed.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

BNCONF, ROOT, CRASH_ON_LOAD, SHORT_TABLE = sys.argv[1:5]
FAILURES = []


def run(*args, env=None, timeout=120):
    start = time.monotonic()
    try:
        done = subprocess.run([BNCONF, *args], capture_output=True, text=True, errors="replace",
                              env={**os.environ, **(env or {})}, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"killed after {timeout} s", time.monotonic() - start
    return done.returncode, done.stdout + done.stderr, time.monotonic() - start


def check(what, condition, detail=""):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        FAILURES.append(what)
        if detail:
            print("      " + detail.strip().replace("\n", "\n      ")[:2000])


def usage_error(args, fragment):
    status, output, _ = run(*args)
    shown = " ".join(a if len(a) < 80 else a[:20] + "..." for a in args)
    check(f"{shown}: exit 2 naming '{fragment}'", status == 2 and fragment in output,
          f"exit {status}: {output}")


def main():
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="bnconf-usage-"))
    try:
        base = ["run", "--backend", "reference"]
        for value in ("inf", "nan", "0", "-1", "1e9", "ten"):
            usage_error([*base, "--timeout", value], "--timeout")
        usage_error([*base, "--tier", "bogus"], "'bogus' is not a tier")
        # A mistyped tier names the nearest one, for every verb that takes --tier.
        usage_error([*base, "--tier", "cor"], "unknown tier 'cor' (did you mean 'core'?)")
        usage_error(["check", "--results", f"{ROOT}/suites/formats/corpus/results/70-valid.h5",
                     "--tier", "core,erors"], "unknown tier 'erors' (did you mean 'errors'?)")
        usage_error(["list", "--tier", "stres"], "unknown tier 'stres' (did you mean 'stress'?)")
        usage_error(["gen", "--check", str(scratch), "--tier", "iee"],
                    "unknown tier 'iee' (did you mean 'ieee'?)")
        for value in ("0/-1", "1/1", "0/0", "abc", "0/4x", "-1/4"):
            usage_error([*base, "--shard", value], "should be I/N")
        usage_error([*base, "--fixtures", f"{ROOT}/fixtures", "--fixtures", f"{ROOT}/fixtures/"],
                    "--fixtures names the same place twice")
        same = str(scratch / "r.out")
        usage_error([*base, "--json", same, "--junit", same],
                    "two report formats would write the same file")
        usage_error([*base, "--memory-limit", "0"], "--memory-limit")
        usage_error([*base, "--cpu-limit", "-1"], "--cpu-limit")
        usage_error([*base, "--filter", "x" * 5000], "more than 4096")
        fifo = scratch / "fifo"
        os.mkfifo(fifo)
        usage_error([*base, "--expect", str(fifo)], "not a regular file")
        usage_error([*base, "--json", str(fifo)], f"{fifo}: is a FIFO")
        usage_error([*base, "--no-such-option"], "no-such-option")
        usage_error(["check", "--results", str(fifo)], f"{fifo}: is a FIFO")
        fuzz = ["fuzz", "--backend", "cpu-f32"]
        for option, value in (("--timeout", "nan"), ("--seconds", "inf"), ("--cases", "0"),
                              ("--max-elements", "-1"), ("--memory-limit", "0"),
                              ("--cpu-limit", "-1"), ("--max-shrink-runs", "x"),
                              ("--stop-after", "-2")):
            usage_error([*fuzz, option, value], option)
        usage_error([*fuzz, "--cases", "1", "--json", str(fifo)], f"{fifo}: is a FIFO")

        status, output, seconds = run(*base, "--tier", "core",
                                      "--filter", "*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?Z", timeout=60)
        # It matches no case: exit status 3 (docs/exit-codes.md), but at once.
        check("a filter of many '*?' finishes at once", status == 3 and seconds < 30,
              f"exit {status} after {seconds:.1f} s: {output[-500:]}")

        discovered = scratch / "discovered"
        discovered.mkdir()
        (discovered / "libbnconf_backend_crashes.so").symlink_to(CRASH_ON_LOAD)
        (discovered / "libbnconf_backend_short.so").symlink_to(SHORT_TABLE)
        env = {"BNCONF_BACKEND_PATH": str(discovered)}
        status, output, _ = run("backends", env=env)
        check("backends lists a plug-in that crashes on load, and ends", status == 0 and
              "crashes" in output and "cannot be opened" in output and "struct_size" in output,
              f"exit {status}: {output}")
        status, output, _ = run("run", "--backend", "typo", env=env)
        check("run --backend typo names the known backends without loading them",
              status == 2 and "no backend named 'typo'" in output and "crashes" in output,
              f"exit {status}: {output}")
        status, output, _ = run("run", "--backend", CRASH_ON_LOAD)
        check("run --backend <crashing plug-in> is an error naming it",
              status == 2 and CRASH_ON_LOAD in output and "failed" in output,
              f"exit {status}: {output}")

        status, output, _ = run("fuzz", "--backend", CRASH_ON_LOAD, "--cases", "1")
        check("fuzz --backend <crashing plug-in> is an error naming it",
              status == 2 and CRASH_ON_LOAD in output and "failed" in output,
              f"exit {status}: {output}")

        status, output, _ = run(*base, "--fixtures",
                                f"{ROOT}/suites/formats/corpus/sets/64-file-listed-but-missing")
        check("a set lacking a file its manifest lists fails the run naming it",
              status == 2 and "ieee.h5: listed in manifest.json but missing" in output,
              f"exit {status}: {output[-1500:]}")

        corrupt = scratch / "corrupt"
        corrupt.mkdir()
        shutil.copy(f"{ROOT}/fixtures/manifest.json", corrupt)
        data = bytearray(pathlib.Path(f"{ROOT}/fixtures/errors.h5").read_bytes())
        data[2231] ^= 0xFF
        (corrupt / "errors.h5").write_bytes(bytes(data))
        report = scratch / "corrupt.json"
        status, output, _ = run(*base, "--fixtures", str(corrupt / "errors.h5"),
                                "--json", str(report))
        complete = report.exists() and json.loads(report.read_text())
        check("a file that crashes libhdf5 fails run with a complete report naming it",
              status == 2 and "errors.h5: the HDF5 parser failed" in output and complete and
              complete["complete"] and any("errors.h5" in e for e in complete["load_errors"]),
              f"exit {status}: {output[-1500:]}")
        for name in ("core.h5", "ieee.h5", "stress.h5"):
            shutil.copy(f"{ROOT}/fixtures/{name}", corrupt)
        status, output, _ = run("gen", "--check", str(corrupt), "--tier", "errors", timeout=600)
        check("gen --check survives the file that crashes libhdf5",
              status == 1 and "errors.h5: the HDF5 parser failed" in output,
              f"exit {status}: {output[-1500:]}")

        # Report paths in directories that do not exist yet: the directories are made.
        nested = scratch / "reports" / "a" / "b"
        status, output, _ = run(*base, "--tier", "errors", "--json", str(nested / "run.json"),
                                "--junit", str(nested / "c" / "run.xml"))
        made = (nested / "run.json").exists() and (nested / "c" / "run.xml").exists()
        check("run --json/--junit DIR/MISSING/report: the directories are made",
              status == 0 and made and json.loads((nested / "run.json").read_text())["complete"],
              f"exit {status}: {output[-1500:]}")
        status, output, _ = run(*fuzz, "--cases", "2", "--json", str(nested / "d" / "fuzz.json"))
        check("fuzz --json DIR/MISSING/report: the directories are made",
              status == 0 and (nested / "d" / "fuzz.json").exists(),
              f"exit {status}: {output[-1500:]}")
        blocked = scratch / "a-file"
        blocked.write_text("")
        usage_error([*base, "--json", str(blocked / "sub" / "run.json")],
                    f"cannot create its directory {blocked / 'sub'}")

        report = scratch / "closed.json"
        process = subprocess.Popen([BNCONF, *base, "--tier", "errors", "--json", str(report)],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        process.stdout.close()  # a reader that went away (bnconf run | head -0)
        status = process.wait(timeout=300)
        complete = report.exists() and json.loads(report.read_text())
        check("a closed standard output does not cost the report",
              status == 0 and complete and complete["complete"], f"exit {status}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"usage_test: {len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
