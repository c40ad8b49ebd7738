#!/usr/bin/env python3
"""bnconf.case_filter selects what the CLI's --filter selects: for filters made from the
committed case ids (prefixes at every '.', '?' at many positions, exact ids, several patterns,
negative patterns, '[' and ']' that fnmatch would read as a character class, the empty filter
(the CLI without --filter),
filters that select nothing), the cases the Python package selects over fixtures/*.h5 are the
cases `bnconf list --filter F` lists (first column of its stdout; exit 3 and no line when the
selection is empty). A filter whose selection fnmatch gets wrong must be among them, so the test
shows the difference it guards. Also: the match takes linear time on a pattern that makes a
backtracking matcher exponential.
usage: case_filter_test.py BNCONF   (PYTHONPATH=python/src)"""
import fnmatch
import subprocess
import sys
import time

try:
    import h5py  # noqa: F401
except ImportError as e:  # ctest SKIP_RETURN_CODE
    print(f"SKIP: {e}")
    sys.exit(77)

from bnconf.case_filter import filter_matches, glob_matches  # noqa: E402
from bnconf.fixtures import default_fixture_paths, selected_ids  # noqa: E402


def cli_selection(bnconf, case_filter):
    # the CLI takes no empty --filter value: the empty filter is no --filter
    command = [bnconf, "list"] + ([f"--filter={case_filter}"] if case_filter else [])
    listed = subprocess.run(command, capture_output=True, text=True)
    assert listed.returncode in (0, 3), (case_filter, listed.returncode, listed.stderr)
    return [line.split()[0] for line in listed.stdout.splitlines() if line.strip()]


def filters_from(ids):
    """Filters made from real ids; a fixed choice of ids, so the test is the same every run."""
    ids = sorted(ids)
    pick = [ids[(k * 7919) % len(ids)] for k in range(5)]  # spread over the tiers
    filters = ["", "*", "-", "**", "?*", ":", "no.such.case", pick[0], pick[1] + ":" + pick[2]]
    for case_id in pick[:3]:
        parts = case_id.split(".")
        filters += [".".join(parts[:n]) + ".*" for n in (1, 3)]  # prefixes at '.'
        filters.append(".".join(parts[:2]))  # a prefix without '*': no id is that short
    for case_id in pick[3:]:
        for position in (0, len(case_id) // 3, len(case_id) - 1):  # one '?'
            filters.append(case_id[:position] + "?" + case_id[position + 1:])
        filters.append(case_id[:5] + "?" * 3 + "*")
        filters.append("*" + case_id[-6:])  # a suffix
    first = pick[0].split(".")
    filters += [
        f"{first[0]}.*-*.f16*:*.bf16*",  # negatives
        f"{first[0]}.*:errors.*-*forward*",  # two positives and a negative
        "-core.*:stress.*",  # negatives only
        "*.f32-*channels_last*:*:",  # empty patterns around ':'
        "core.[a-z]*",  # '[' is a character class to fnmatch, a literal to bnconf
        "*[fb]16*",
        "core.*[*",
        "*?*?*?*?*?*?*?*?*?*?Z",  # no match; a backtracking matcher takes long here
    ]
    return filters


def check_agreement(bnconf):
    paths = default_fixture_paths()
    every = [case_id for _, case_id in selected_ids(paths)]
    fnmatch_differs, nonempty = [], 0
    filters = filters_from(every)
    for case_filter in filters:
        python = sorted(case_id for _, case_id in selected_ids(paths, case_filter=case_filter))
        cli = sorted(cli_selection(bnconf, case_filter))
        assert python == cli, (case_filter, set(python) ^ set(cli))
        nonempty += bool(python)
        if sorted(fnmatch.filter(every, case_filter)) != python:
            fnmatch_differs.append(case_filter)
    assert "core.[a-z]*" in fnmatch_differs, fnmatch_differs
    assert nonempty >= len(filters) // 2, nonempty  # most filters select something
    sizes = [len(cli_selection(bnconf, f)) for f in ("", "core.[a-z]*")]
    assert sizes[0] == len(every) and sizes[1] == 0, sizes
    print(f"{len(filters)} filters: Python and `bnconf list` select the same cases; fnmatch "
          f"would not on {len(fnmatch_differs)} of them")


def check_linear_time():
    text = "a" * 4000
    start = time.perf_counter()
    assert not glob_matches("*a" * 50 + "b", text)  # |pattern| x |text| = 404k steps at most
    assert glob_matches("*?" * 50, text) and not glob_matches("?" * 4001, text)
    elapsed = time.perf_counter() - start
    assert elapsed < 5, elapsed


def check_examples():
    assert filter_matches("", "x") and filter_matches(None, "x")
    assert filter_matches("a*:b*", "b.1") and not filter_matches("a*:b*", "c")
    assert not filter_matches("*-b*", "b.1") and filter_matches("-b*", "a")
    assert filter_matches("[ab]", "[ab]") and not filter_matches("[ab]", "a")
    assert filter_matches("a-", "a") and not filter_matches("a-", "b")


if __name__ == "__main__":
    check_examples()
    check_linear_time()
    check_agreement(sys.argv[1])
    print("3 passed, 0 failed")
