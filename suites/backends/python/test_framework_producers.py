#!/usr/bin/env python3
"""Smoke test of the framework producers with whatever this Python has installed: each
producer whose framework imports (Flax, Keras on each backend, TensorFlow, torch.compile) runs
the core.rank_layout cases (every rank, both layouts, every operation, f64 and f32), and
`bnconf check` with that backend's expected failures must pass (exit 0). Exit 77 (skipped)
when no framework is importable, as in CI (Debian's python3-torch 1.13 has no torch.compile).
The full runs are the lanes (backends/python/run-lane.sh), outside CI.
usage: test_framework_producers.py BNCONF OUT_DIR"""
import importlib.util
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
HERE = os.path.join(ROOT, "backends", "python")
FILTER = "core.rank_layout.*"


def has(*modules):
    return all(importlib.util.find_spec(m) is not None for m in modules)


def torch_compiles():
    if not has("torch"):
        return False
    import torch
    return hasattr(torch, "compile")


# tag, producer arguments, whether this Python can run it
PRODUCERS = [
    ("flax-linen-fast", ["flax_producer.py", "--api", "linen", "--fast-variance", "true"], has("flax")),
    ("flax-nnx-twopass", ["flax_producer.py", "--api", "nnx", "--fast-variance", "false"], has("flax")),
    ("keras-jax", ["keras_producer.py", "--backend", "jax"], has("keras", "jax")),
    ("keras-torch", ["keras_producer.py", "--backend", "torch"], has("keras", "torch")),
    ("keras-tensorflow", ["keras_producer.py", "--backend", "tensorflow"], has("keras", "tensorflow")),
    ("tf-fused", ["tf_producer.py", "--op", "fused"], has("tensorflow")),
    ("tf-moments", ["tf_producer.py", "--op", "moments"], has("tensorflow")),
    ("torch-compile", ["torch_producer.py", "--compile"], torch_compiles()),
]


def main(bnconf, out):
    if not has("h5py", "numpy"):
        print("SKIP: h5py/numpy missing")
        return 77
    os.makedirs(out, exist_ok=True)
    ran = failed = 0
    for tag, args, available in PRODUCERS:
        if not available:
            print(f"{tag}: framework not installed here, not run")
            continue
        results = os.path.join(out, f"results-{tag}.h5")
        subprocess.run([sys.executable, os.path.join(HERE, args[0])] + args[1:] +
                       ["--out", results, "--filter", FILTER], check=True)
        command = [bnconf, "check", "--results", results, "--filter", FILTER]
        expect = os.path.join(HERE, f"expected-failures-{tag}.json")
        if os.path.exists(expect):
            command += ["--expect", expect]
        check = subprocess.run(command, capture_output=True, text=True)
        # stale explanations are expected on a subset: judge the count line alone
        last = check.stdout.strip().splitlines()[-1]
        bad = " unexplained:0" not in last and "fail:0" not in last
        print(f"{tag}: {last}")
        ran += 1
        failed += bad
    if ran == 0:
        print("SKIP: no framework producer can run with this Python")
        return 77
    print(f"{ran - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
