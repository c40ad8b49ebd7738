#!/usr/bin/env python3
"""MLX producer: mlx.nn.BatchNorm on the bnconf fixtures, with MLX's CPU build for Linux.

MLX's semantics (mlx/nn/layers/normalization.py, BatchNorm.__call__, mlx 0.32):
- features on the last axis, 2-D to 4-D input; statistics over every other axis;
- y = (x - mean) * rsqrt(var + eps) * weight + bias with the biased batch variance; eps must
  be > 0 (the constructor rejects 0, so eps = 0 cases are unsupported); no zero rule;
- running statistics: (1 - momentum) * old + momentum * batch, the batch variance with ddof=1
  (unbiased, since ml-explore/mlx PR #3817): bnconf's weights_batch convention and unbiased
  estimator (the pytorch preset's); no counter, no cumulative average;
- training rejects one value per channel; momentum is not range-checked.
Channels-first cases are handed over as MLX takes them, features last: mx.moveaxis before and
after the layer (a transpose, as the ONNX producer's Transposes), channels-last cases as is.

What comes from where: y and the running statistics from the module (train()/eval());
batch_mean and batch_var from a second module with momentum 1 from a zero state, whose
running mean is then the batch mean ((1 - 1) * 0 + 1 * mean) and whose running variance the
unbiased batch variance, so batch_var is omitted (MLX exposes no biased batch variance) like
saved_invstd; dx, dweight, dbias from mx.vjp with dy as the cotangent; num_batches_tracked
counted by the producer. Half-precision cases keep weight, bias and running statistics in
float32 (the module's own dtype) with the activations in f16/bf16."""
import dataclasses
import sys

from bnconf.layer import LayerRunner
from bnconf.producer import Unsupported, is_training, main

import mlx.core as mx
import mlx.nn as nn
import numpy as np

mx.set_default_device(mx.cpu)
DTYPES = {"f64": mx.float64, "f32": mx.float32, "f16": mx.float16, "bf16": mx.bfloat16}
PARAM_DTYPES = {"f16": mx.float32, "bf16": mx.float32}


class MlxRunner(LayerRunner):
    framework = "mlx.nn.BatchNorm"
    conventions = ("weights_batch",)
    estimator = "unbiased"
    omitted_outputs = {"saved_invstd": "MLX keeps no inverse std",
                       "batch_var": "MLX exposes the unbiased batch variance only"}

    def __init__(self, args):
        self.name = "mlx-cpu"
        self.version = f"{mx.__version__} cpu"

    def check_expressible(self, case):
        if case.operation == "error":  # MLX checks the rank itself (2-D to 4-D)
            if case.expected_error == "missing_running_stats":
                raise Unsupported("an mlx.nn.BatchNorm with track_running_stats holds running "
                                  "statistics (initialised to 0 and 1): they cannot be left out")
            return
        super().check_expressible(case)
        if case.rank > 4:
            raise Unsupported("mlx.nn.BatchNorm takes 2-D to 4-D input")
        if case.eps <= 0:
            raise Unsupported("mlx.nn.BatchNorm rejects eps <= 0 ('eps' must be positive), "
                              "which the reference allows")
        if is_training(case) and case.values_per_channel == 1:
            raise Unsupported("MLX rejects one value per channel in training; the case's "
                              "estimator allows it")

    @staticmethod
    def array(a, dtype):
        """An MLX array of dtype holding the values exactly (half values are exact in float32;
        numpy has no bfloat16)."""
        host = np.asarray(a, np.float64 if dtype == mx.float64 else np.float32)
        return mx.array(host, dtype=mx.float64 if dtype == mx.float64 else mx.float32).astype(dtype)

    def module(self, case, channels, params, state, momentum, pdtype):
        bn = nn.BatchNorm(channels, eps=case.eps, momentum=momentum, affine=params is not None,
                          track_running_stats=case.tracked)
        if params is not None:
            bn.weight = self.array(params["weight"], pdtype)
            bn.bias = self.array(params["bias"], pdtype)
        if case.tracked:
            if state is not None:
                bn.running_mean = self.array(state[0], pdtype)
                bn.running_var = self.array(state[1], pdtype)
            else:
                bn.running_mean = mx.zeros((channels,), pdtype)
                bn.running_var = mx.ones((channels,), pdtype)
        return bn

    def features_last(self, case, x):
        """(x with features last, whether it was moved): the layer's own layout."""
        moved = self.feature_axis(case) == 1 and x.ndim >= 3
        return (mx.moveaxis(x, 1, -1) if moved else x), moved

    @staticmethod
    def host(a):
        return np.asarray(a.astype(mx.float64) if a.dtype != mx.float64 else a, np.float64)

    def forward(self, case, x, params, state, training):
        dtype = DTYPES[case.dtype]
        pdtype = PARAM_DTYPES.get(case.dtype, dtype)
        xa, moved = self.features_last(case, self.array(x, dtype))
        channels = xa.shape[-1] if xa.ndim >= 1 else 0
        momentum = case.momentum if case.momentum is not None else 0.1
        bn = self.module(case, channels, params, state, momentum, pdtype)
        bn.train(training)
        y = bn(xa)
        if moved:
            y = mx.moveaxis(y, -1, 1)
        new_state = None
        if training and case.tracked:
            new_state = (self.host(bn.running_mean), self.host(bn.running_var))
        stats = {}
        if training and case.operation != "error":
            probe = self.module(dataclasses.replace(case, tracked=True), channels, params,
                                (np.zeros(channels), np.zeros(channels)), 1.0, pdtype)
            probe.train()
            probe(xa)
            stats = {"batch_mean": self.host(probe.running_mean)}
        return self.host(y), new_state, stats

    def gradients(self, case, x, dy, params, state, training):
        dtype = DTYPES[case.dtype]
        pdtype = PARAM_DTYPES.get(case.dtype, dtype)
        xa, moved = self.features_last(case, self.array(x, dtype))
        dya, _ = self.features_last(case, self.array(dy, dtype))
        channels = xa.shape[-1]
        momentum = case.momentum if case.momentum is not None else 0.1
        bn = self.module(case, channels, params, state, momentum, pdtype)
        bn.train(training)
        weights = [] if params is None else [bn.weight, bn.bias]

        def f(x_, *w):
            if w:
                bn.weight, bn.bias = w
            return bn(x_)
        # the cotangent in y's dtype (float32 for half input with float32 weights; exact)
        y_dtype = f(xa, *weights).dtype
        _, grads = mx.vjp(f, [xa] + weights, [dya.astype(y_dtype)])
        dx = grads[0]
        if moved:
            dx = mx.moveaxis(dx, -1, 1)
        if params is None:
            return self.host(dx), None, None
        return self.host(dx), self.host(grads[1]), self.host(grads[2])


if __name__ == "__main__":
    sys.exit(main(MlxRunner, "Run MLX BatchNorm on the bnconf fixtures.",
                  add_arguments=lambda parser: None))
