#!/usr/bin/env python3
"""Tests of the layer runner (bnconf.layer, python/src/bnconf/layer.py) that every Flax, Keras and
TensorFlow producer stands on, with no framework (h5py and numpy only):
1. expressibility: which cases a framework with Keras's semantics (weights_running, population
   variance, no counter, no zero rule) must decline, and why; a framework without running
   statistics; the fused estimator (unbiased_clamped) accepting M = 1;
2. a "framework" written here in float64 numpy with exactly those semantics, run through the
   runner and the producer loop over the committed fixtures: `bnconf check` must pass every
   case it ran (so the runner's layouts, sequences, counters, eval/train choice and gradients
   plumbing are right), and run at least the cases that Keras-like semantics allow;
3. the lane scripts refuse an unknown lane and a lane they cannot test (exit 2), never
   skipping silently.
usage: test_layer_runner.py BNCONF OUT_DIR"""
import os
import subprocess
import sys

try:
    import h5py  # noqa: F401
    import numpy as np
except ImportError as e:  # ctest SKIP_RETURN_CODE
    print(f"SKIP: {e}")
    sys.exit(77)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
from bnconf.fixtures import default_fixture_paths, iter_cases  # noqa: E402
from bnconf.layer import LayerRunner  # noqa: E402
from bnconf.producer import Unsupported, main  # noqa: E402


class NumpyLayer(LayerRunner):
    """BatchNorm in float64 numpy with Keras's semantics (docs/semantics.md): two-pass biased
    variance, moving = m * moving + (1 - m) * batch, y = (x - mean) / sqrt(var + eps) * w + b,
    and the textbook training gradient
    dx = w * invstd * (dy - mean(dy) - xhat * mean(dy * xhat))."""
    framework = "numpy-layer"
    name, version = "numpy-layer", "test"
    omitted_outputs = {"saved_invstd": "not computed by the test layer"}

    def __init__(self, device=None):
        pass

    def shapes(self, case, x):
        axis = self.feature_axis(case) % x.ndim
        axes = tuple(a for a in range(x.ndim) if a != axis)
        shape = [1] * x.ndim
        shape[axis] = x.shape[axis]
        return axes, shape

    def forward(self, case, x, params, state, training):
        axes, shape = self.shapes(case, x)
        if training:
            mean, var = x.mean(axes), x.var(axes)
        else:
            if state is None:
                raise ValueError("running statistics missing in eval")
            mean, var = state
        w = np.ones(shape) if params is None else np.reshape(params["weight"], shape)
        b = np.zeros(shape) if params is None else np.reshape(params["bias"], shape)
        with np.errstate(all="ignore"):
            y = (x - np.reshape(mean, shape)) / np.sqrt(np.reshape(var, shape) + case.eps) * w + b
        new_state = None
        if training and state is not None:
            m = case.momentum
            new_state = (m * state[0] + (1 - m) * mean, m * state[1] + (1 - m) * var)
        stats = {"batch_mean": mean, "batch_var": var} if training else {}
        return y, new_state, stats

    def gradients(self, case, x, dy, params, state, training):
        axes, shape = self.shapes(case, x)
        if dy.shape != x.shape:
            raise ValueError("dy shape differs from x shape")
        mean, var = (x.mean(axes), x.var(axes)) if training else state
        w = np.ones(shape) if params is None else np.reshape(params["weight"], shape)
        with np.errstate(all="ignore"):
            invstd = 1 / np.sqrt(np.reshape(var, shape) + case.eps)
            xhat = (x - np.reshape(mean, shape)) * invstd
            if training:
                dx = w * invstd * (dy - dy.mean(axes, keepdims=True)
                                   - xhat * (dy * xhat).mean(axes, keepdims=True))
            else:
                dx = w * invstd * dy
        if params is None:
            return dx, None, None
        return dx, (dy * xhat).sum(axes), dy.sum(axes)


def case_by_id(case_id):
    return next(iter_cases(default_fixture_paths(), case_id))


def expect_unsupported(runner, case_id, words):
    try:
        runner.check_expressible(case_by_id(case_id))
    except Unsupported as e:
        assert words in str(e), f"{case_id}: {e}"
        return
    raise AssertionError(f"{case_id} should be unsupported ({words})")


def test_expressibility():
    keras_like = NumpyLayer()
    # pytorch preset, tracked training: its running statistics use weights_batch + unbiased
    expect_unsupported(keras_like, "core.rank_layout.forward_train.6x3.channels_first.f64",
                       "convention weights_running, the case uses weights_batch")
    expect_unsupported(keras_like, "core.momentum.from_default_state.keras.f64",
                       "cumulative-average")
    expect_unsupported(keras_like, "core.constant.v1e7_eps0.forward_train", "convention")
    expect_unsupported(keras_like, "errors.invalid.rank6", "any rank")
    expect_unsupported(keras_like, "errors.invalid.one_value_per_channel", "unbiased estimator")
    # the same semantics run eval, gradients and the keras preset's sequences
    for case_id in ("core.rank_layout.forward_eval.2x3x5x4.channels_last.f64",
                    "core.rank_layout.backward_train.2x3x5x4.channels_last.f64",
                    "core.momentum.preset_momentum.keras.f64"):
        keras_like.check_expressible(case_by_id(case_id))

    class NoRunningStats(NumpyLayer):
        running_stats = False
    expect_unsupported(NoRunningStats(), "core.momentum.preset_momentum.keras.f64",
                       "keeps no running statistics")
    expect_unsupported(NoRunningStats(), "errors.invalid.momentum_above_1",
                       "keeps no running statistics")
    expect_unsupported(NoRunningStats(), "errors.invalid.running_var_size",
                       "keeps no running statistics")

    class Fused(NumpyLayer):
        conventions, estimator = ("weights_batch",), "unbiased_clamped"
    expect_unsupported(Fused(), "errors.invalid.one_row", "accepts M = 1")
    expect_unsupported(Fused(), "core.rank_layout.forward_train.6x3.channels_first.f64",
                       "unbiased_clamped estimator, the case uses unbiased")


def test_numpy_layer_passes(bnconf, out):
    results = os.path.join(out, "results-numpy-layer.h5")
    report = os.path.join(out, "report-numpy-layer.json")
    main(NumpyLayer, "numpy layer", ["--out", results])
    check = subprocess.run([bnconf, "check", "--results", results, "--json", report],
                           capture_output=True, text=True)
    last = check.stdout.strip().splitlines()[-1]
    print("bnconf check:", last)
    # every failure must be an errors-tier case the numpy layer does not reject (it checks
    # neither momentum nor eps nor vector lengths): anything else is a runner bug
    import json
    failed = [c["id"] for c in json.load(open(report))["cases"]
              if c["status"] not in ("pass", "mistrusted", "unsupported")]
    assert all(case_id.startswith("errors.") for case_id in failed), failed
    passed = int(last.split(" pass:")[1].split()[0])
    assert passed >= 200, last  # eval, gradients, keras/onnx sequences, untracked training


def test_lane_scripts():
    lane = os.path.join(ROOT, "backends", "python", "run-lane.sh")
    frameworks = os.path.join(ROOT, "backends", "python", "run-frameworks.sh")
    assert subprocess.run([lane, "no-such-lane"], capture_output=True).returncode == 2
    assert subprocess.run([frameworks, "--skip", "no-such-lane"],
                          capture_output=True).returncode == 2
    # a lane whose interpreter does not exist is an error, not a skip
    result = subprocess.run([lane, "flax", "--python", "/nonexistent/python", "--bnconf",
                             sys.argv[1]], capture_output=True, text=True)
    assert result.returncode == 2, result.stdout + result.stderr


if __name__ == "__main__":
    test_expressibility()
    os.makedirs(sys.argv[2], exist_ok=True)
    test_numpy_layer_passes(sys.argv[1], sys.argv[2])
    test_lane_scripts()
    print("3 passed, 0 failed")
