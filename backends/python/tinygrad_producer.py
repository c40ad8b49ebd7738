#!/usr/bin/env python3
"""tinygrad producer: tinygrad.nn.BatchNorm on the bnconf fixtures, tinygrad's CPU device.

tinygrad's semantics (tinygrad/nn/__init__.py, BatchNorm; Tensor.batchnorm):
- channels on axis 1; batch statistics over every other axis: mean, and the mean of
  (x - mean)^2 (two passes, biased), both returned by BatchNorm.calc_stats;
- y = (x - mean) * weight * rsqrt(var + eps) + bias: no zero rule for eps = 0;
- under Context(TRAINING=1), running statistics (1 - momentum) * old + momentum * batch with the
  batch variance times numel / (numel - C) = M / (M - 1) (unbiased), and num_batches_tracked
  += 1: the pytorch preset's update; no cumulative average; momentum and eps unchecked;
- eval with track_running_stats normalises with the running statistics, without it with the
  batch statistics.
Channels-last cases are handed over as tinygrad's view of (N, spatial..., C) memory permuted to
(N, C, spatial...), as the PyTorch producer's strided channels_last. Gradients: Tensor.backward
with dy. The half-precision cases keep weight, bias and running statistics in float32."""
import os
import sys

os.environ.setdefault("DEV", "CPU")  # tinygrad's default device here would be OpenCL (PoCL)
from bnconf.layer import LayerRunner  # noqa: E402
from bnconf.producer import Unsupported, is_training, main  # noqa: E402

import numpy as np  # noqa: E402
import tinygrad  # noqa: E402
from tinygrad import Device, Tensor, dtypes, nn  # noqa: E402
from tinygrad.helpers import Context  # noqa: E402

DTYPES = {"f64": dtypes.float64, "f32": dtypes.float32, "f16": dtypes.float16,
          "bf16": dtypes.bfloat16}
PARAM_DTYPES = {"f16": dtypes.float32, "bf16": dtypes.float32}


def version():
    try:
        from importlib.metadata import version as v
        return v("tinygrad")
    except Exception:  # noqa: BLE001
        return getattr(tinygrad, "__version__", "?")


class TinygradRunner(LayerRunner):
    framework = "tinygrad.nn.BatchNorm"
    conventions = ("weights_batch",)
    estimator = "unbiased"
    counts_batches = True
    omitted_outputs = {"saved_invstd": "tinygrad computes rsqrt(var + eps) inline"}

    def __init__(self, args):
        self.name = f"tinygrad-{Device.DEFAULT.lower()}"
        self.version = f"{version()} {Device.DEFAULT}"
        self.dtype_problem = {}

    def dtype_reason(self, dtype):
        return f"tinygrad on {Device.DEFAULT}: {self.dtype_problem.get(dtype, 'no ' + dtype)}"

    def probe(self, dtype):
        """Whether this device compiles kernels of the dtype (tinygrad's CPU device compiles C
        with clang, which may lack __bf16 on the host target): probed once per dtype."""
        if dtype not in self.dtype_problem:
            try:  # a small BatchNorm, forward and backward, in the dtype
                x = Tensor(np.arange(12, dtype=np.float32).reshape(3, 2, 2)).cast(DTYPES[dtype])
                x.requires_grad = True
                with Context(TRAINING=1):
                    y = nn.BatchNorm(2)(x)
                    y.backward(Tensor.ones(*y.shape, dtype=y.dtype))
                x.grad.cast(dtypes.float32).numpy()
                self.dtype_problem[dtype] = None
            except Exception as e:  # noqa: BLE001 - the compiler's error, whatever its type
                lines = [l for l in str(e).splitlines() if "error" in l]
                self.dtype_problem[dtype] = (lines[0] if lines else str(e).splitlines()[0])[:200]
        return self.dtype_problem[dtype] is None

    def check_expressible(self, case):
        if case.operation == "error" and case.expected_error == "missing_running_stats":
            raise Unsupported("a tinygrad BatchNorm with track_running_stats holds running "
                              "statistics (initialised to 0 and 1): they cannot be left out")
        super().check_expressible(case)
        if case.operation != "error" and is_training(case) and case.tracked \
                and case.values_per_channel == 1:
            raise Unsupported("tinygrad's unbiased factor numel / (numel - C) divides by zero at "
                              "one value per channel (ZeroDivisionError); the case's estimator "
                              "allows it")
        if not self.probe(case.dtype):
            raise Unsupported(self.dtype_reason(case.dtype))

    @staticmethod
    def tensor(a, dtype):
        host = np.asarray(a, np.float64 if dtype == dtypes.float64 else np.float32)
        return Tensor(host, dtype=dtypes.float64 if dtype == dtypes.float64 else
                      dtypes.float32).cast(dtype)

    def channels_first(self, case, t):
        """tinygrad wants channels on axis 1: a permuted view of channels-last memory."""
        if self.feature_axis(case) == -1 and t.ndim >= 3:
            return t.permute(0, t.ndim - 1, *range(1, t.ndim - 1))
        return t

    def to_memory(self, case, t):
        if self.feature_axis(case) == -1 and t.ndim >= 3:
            return t.permute(0, *range(2, t.ndim), 1)
        return t

    def module(self, case, channels, params, state, momentum, pdtype):
        bn = nn.BatchNorm(channels, eps=case.eps, affine=params is not None,
                          track_running_stats=case.tracked, momentum=momentum)
        if params is not None:
            bn.weight = self.tensor(params["weight"], pdtype)
            bn.bias = self.tensor(params["bias"], pdtype)
        if case.tracked:  # buffers in the parameter dtype (tinygrad's default is float32)
            if state is None:  # backward_train cases carry none: the module's initial 0 and 1
                state = (np.zeros(channels), np.ones(channels))
            bn.running_mean = self.tensor(state[0], pdtype)
            bn.running_var = self.tensor(state[1], pdtype)
        if case.tracked and state is not None and len(state) == 3:
            bn.num_batches_tracked = Tensor(int(state[2]), dtype=dtypes.int64)
        return bn

    @staticmethod
    def host(t):
        return np.asarray(t.cast(dtypes.float64).numpy(), np.float64)

    def forward(self, case, x, params, state, training):
        dtype = DTYPES[case.dtype]
        pdtype = PARAM_DTYPES.get(case.dtype, dtype)
        xt = self.channels_first(case, self.tensor(x, dtype))
        channels = xt.shape[1] if xt.ndim >= 2 else 0
        momentum = case.momentum if case.momentum is not None else 0.1
        bn = self.module(case, channels, params, state, momentum, pdtype)
        with Context(TRAINING=int(training)):
            y = bn(xt)
            mean, var = bn.calc_stats(xt) if training else (None, None)
            out_y = self.host(self.to_memory(case, y))
        new_state = None
        if training and case.tracked:
            new_state = (self.host(bn.running_mean), self.host(bn.running_var),
                         int(bn.num_batches_tracked.numpy()))
        stats = {}
        if training and case.operation != "error":
            stats = {"batch_mean": self.host(mean), "batch_var": self.host(var)}
        return out_y, new_state, stats

    def gradients(self, case, x, dy, params, state, training):
        dtype = DTYPES[case.dtype]
        pdtype = PARAM_DTYPES.get(case.dtype, dtype)
        xt = self.channels_first(case, self.tensor(x, dtype))
        xt.requires_grad = True
        dyt = self.channels_first(case, self.tensor(dy, dtype))
        channels = xt.shape[1]
        momentum = case.momentum if case.momentum is not None else 0.1
        bn = self.module(case, channels, params, state, momentum, pdtype)
        if params is not None:
            bn.weight.requires_grad = True
            bn.bias.requires_grad = True
        with Context(TRAINING=int(training)):
            y = bn(xt)
            y.backward(dyt.cast(y.dtype))
        dx = self.host(self.to_memory(case, xt.grad))
        if params is None:
            return dx, None, None
        return dx, self.host(bn.weight.grad), self.host(bn.bias.grad)


if __name__ == "__main__":
    sys.exit(main(TinygradRunner, "Run tinygrad BatchNorm on the bnconf fixtures.",
                  add_arguments=lambda parser: None))
