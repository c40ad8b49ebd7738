#!/usr/bin/env python3
"""PaddlePaddle producer: paddle.nn.BatchNorm1D/2D/3D on the bnconf fixtures, CPU.

Paddle's semantics (paddle.nn.BatchNorm*D docs; checked against numpy on this version):
- y = (x - mean) / sqrt(var + epsilon) * weight + bias with the biased batch variance;
- running statistics: momentum * old + (1 - momentum) * batch with the biased (population)
  batch variance: bnconf's weights_running convention and population estimator (the
  keras/onnx presets), momentum default 0.9; no counter, no cumulative average;
- data_format picks the channel axis: NC/NCL/NCHW/NCDHW (channels first) or NLC/NHWC/NDHWC
  (channels last), so both layouts are handed over as they are;
- the CPU kernel exists for float32 and float64 only ("Paddle support following DataTypes:
  float64, float32"), so f16/bf16 cases are unsupported;
- epsilon and momentum are float32 attributes of the batch_norm op (f64 results show the
  rounding: eps 1e-5 moves y by ~1e-13), so an f64 case whose eps or momentum float32 cannot
  hold is unsupported, as in the ONNX producer.
batch_mean and batch_var come from a second module with momentum 0 from a zero state (its
running statistics are then exactly the batch statistics, 0 * 0 + 1 * stat); saved_invstd is
not exposed by the module (omitted); num_batches_tracked is counted by the producer; gradients
by Tensor.backward with dy."""
import sys

from bnconf.layer import LayerRunner
from bnconf.producer import Unsupported, main, updates_running_stats

import numpy as np
import paddle

paddle.set_device("cpu")
DTYPES = {"f64": "float64", "f32": "float32"}
MODULES = {2: paddle.nn.BatchNorm1D, 3: paddle.nn.BatchNorm1D, 4: paddle.nn.BatchNorm2D,
           5: paddle.nn.BatchNorm3D}
FORMATS = {(2, False): "NC", (2, True): "NC", (3, False): "NCL", (3, True): "NLC",
           (4, False): "NCHW", (4, True): "NHWC", (5, False): "NCDHW", (5, True): "NDHWC"}


class PaddleRunner(LayerRunner):
    framework = "paddle.nn.BatchNorm*D"
    dtypes = ("f64", "f32")
    omitted_outputs = {"saved_invstd": "paddle.nn.BatchNorm*D returns no saved statistics"}

    def __init__(self, args):
        self.name = "paddle-cpu"
        self.version = f"{paddle.__version__} cpu"

    def dtype_reason(self, dtype):
        return f"Paddle's CPU batch_norm kernel is registered for float32 and float64, not {dtype}"

    def check_expressible(self, case):
        if case.operation == "error" and case.expected_error == "missing_running_stats":
            raise Unsupported("a Paddle BatchNorm module holds running statistics (initialised "
                              "to 0 and 1): they cannot be left out")
        if case.operation == "error" and case.expected_error == "bad_rank":
            return  # Paddle's modules check the rank themselves
        super().check_expressible(case)
        if case.dtype == "f64" and case.operation != "error":
            # batch_norm's epsilon and momentum attributes are float32 (as ONNX's)
            if float(np.float32(case.eps)) != case.eps:
                raise Unsupported(f"Paddle's epsilon attribute is float32; eps {case.eps!r} is "
                                  "not exact in float32 (f64 case)")
            if updates_running_stats(case) and float(np.float32(case.momentum)) != case.momentum:
                raise Unsupported(f"Paddle's momentum attribute is float32; {case.momentum!r} "
                                  "is not exact in float32 (f64 case)")

    def module(self, case, rank, channels, params, state, momentum):
        last = self.feature_axis(case) == -1
        module_class = MODULES.get(min(max(rank, 2), 5))
        bn = module_class(channels, momentum=momentum, epsilon=case.eps,
                          weight_attr=None if params is not None else False,
                          bias_attr=None if params is not None else False,
                          data_format=FORMATS[(min(max(rank, 2), 5), last)],
                          use_global_stats=None if case.tracked else False)
        bn = bn.to(dtype=DTYPES[case.dtype])
        dtype = DTYPES[case.dtype]
        with paddle.no_grad():
            if params is not None:
                bn.weight.set_value(np.asarray(params["weight"], dtype))
                bn.bias.set_value(np.asarray(params["bias"], dtype))
            if state is not None:
                bn._mean.set_value(np.asarray(state[0], dtype))
                bn._variance.set_value(np.asarray(state[1], dtype))
        return bn

    def tensor(self, case, a):
        return paddle.to_tensor(np.asarray(a, DTYPES[case.dtype]))

    def forward(self, case, x, params, state, training):
        channels = x.shape[self.feature_axis(case)] if x.ndim >= 2 else 0
        momentum = case.momentum if case.momentum is not None else 0.9
        bn = self.module(case, x.ndim, channels, params, state, momentum)
        bn.train() if training else bn.eval()
        xt = self.tensor(case, x)
        with paddle.no_grad():
            y = bn(xt).numpy()
        new_state = None
        if training and state is not None:
            new_state = (bn._mean.numpy(), bn._variance.numpy())
        stats = {}
        if training and case.operation != "error":
            zero = np.zeros(channels)
            probe = self.module(case, x.ndim, channels, params, (zero, zero), 0.0)
            probe.train()
            with paddle.no_grad():
                probe(xt)
            stats = {"batch_mean": probe._mean.numpy(), "batch_var": probe._variance.numpy()}
        return y, new_state, stats

    def gradients(self, case, x, dy, params, state, training):
        channels = x.shape[self.feature_axis(case)]
        momentum = case.momentum if case.momentum is not None else 0.9
        bn = self.module(case, x.ndim, channels, params, state, momentum)
        bn.train() if training else bn.eval()
        xt = self.tensor(case, x)
        xt.stop_gradient = False
        y = bn(xt)
        y.backward(self.tensor(case, dy))
        if params is None:
            return xt.grad.numpy(), None, None
        return xt.grad.numpy(), bn.weight.grad.numpy(), bn.bias.grad.numpy()


if __name__ == "__main__":
    sys.exit(main(PaddleRunner, "Run PaddlePaddle BatchNorm on the bnconf fixtures.",
                  add_arguments=lambda parser: None))
