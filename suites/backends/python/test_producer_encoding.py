#!/usr/bin/env python3
"""Fast test of the producer's decoding and encoding (no framework needed, h5py and numpy only):
1. layout helpers round-trip and give (N, spatial..., C) memory for channels_last;
2. call_isolated survives a child killed by a signal;
3. an "oracle" runner that returns each case's expected datasets goes through the producer
   loop and ResultsWriter, and `bnconf check` (the C++ reader) must pass every case.
usage: test_producer_encoding.py BNCONF OUT_DIR"""
import os
import signal
import subprocess
import sys

try:
    import h5py
    import numpy as np
except ImportError as e:  # ctest SKIP_RETURN_CODE
    print(f"SKIP: {e}")
    sys.exit(77)

from bnconf.fixtures import default_fixture_paths, to_logical_order, to_memory_order  # noqa: E402
from bnconf.producer import call_isolated, main  # noqa: E402


def test_layouts():
    x = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
    m = to_memory_order(x, "channels_last")
    assert m.shape == (2, 4, 5, 3) and m[1, 2, 3, 1] == x[1, 1, 2, 3]
    assert np.array_equal(to_logical_order(m, "channels_last"), x)
    s = to_memory_order(x[None], "channels_last", leading_axes=1)
    assert s.shape == (1, 2, 4, 5, 3)
    assert to_memory_order(x[:, :, 0, 0], "channels_last").shape == (2, 3)  # rank 2: same


def test_isolation():
    assert call_isolated(lambda: np.ones(2)).sum() == 2
    try:
        call_isolated(lambda: os.kill(os.getpid(), signal.SIGFPE))
    except RuntimeError as e:
        assert "signal" in str(e)
    else:
        raise AssertionError("a killed child was not reported")


class OracleRunner:
    """Returns the fixtures' own expected outputs, so any mismatch is an encoding bug."""
    name, version = "oracle", "test"

    def __init__(self, device):
        self.files = [h5py.File(p, "r") for p in default_fixture_paths()]

    def run(self, case):
        if case.operation == "error":
            raise ValueError("rejected")
        for f in self.files:
            if case.id in f["cases"]:
                group = f["cases"][case.id]["expected"]
                return {name: group[name][()] for name in group}
        raise KeyError(case.id)


def test_roundtrip(bnconf, out):
    results = os.path.join(out, "results-oracle.h5")
    main(OracleRunner, "oracle", ["--out", results])
    check = subprocess.run([bnconf, "check", "--results", results], capture_output=True, text=True)
    last = check.stdout.strip().splitlines()[-1] if check.stdout.strip() else check.stderr
    assert check.returncode == 0 and " fail:0 " in last and "backend_error:0" in last, last
    print("bnconf check:", last)


if __name__ == "__main__":
    test_layouts()
    test_isolation()
    os.makedirs(sys.argv[2], exist_ok=True)
    test_roundtrip(sys.argv[1], sys.argv[2])
    print("3 passed, 0 failed")
