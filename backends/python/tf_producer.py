#!/usr/bin/env python3
"""TensorFlow producer, two backends:

--op fused (backend tf-fused-cpu): tf.compat.v1.nn.fused_batch_norm (TF 2 has no
  tf.nn.fused_batch_norm), i.e. the FusedBatchNormV3 kernel,
  and its gradient FusedBatchNormGradV3 through tf.GradientTape. Semantics (TF's op docs and
  tensorflow/core/kernels/fused_batch_norm_op.cc, CPU):
  - y = (x - mean) * rsqrt(var + epsilon) * scale + offset, batch (biased) variance in
    training; epsilon is a float32 attribute; no zero rule;
  - running outputs with exponential_avg_factor f: (1 - f) * old + f * batch, the batch
    variance Bessel-corrected with M - 1 clamped at 1 on CPU: bnconf's weights_batch
    convention with momentum f and the unbiased_clamped estimator (the tf_fused preset);
  - reserve_space_1 / reserve_space_2 hold the batch mean and the biased batch variance on
    CPU (read through tf.raw_ops.FusedBatchNormV3); no inverse std (saved_invstd omitted);
  - 4-D (NHWC / NCHW) and 5-D (NDHWC / NCDHW) input; x in f32, f16 or bf16, scale, offset and
    statistics in float32; no float64.
  Rank 2 and 3 cases are handed over as 4-D by appending unit spatial axes, in the case's
  memory order ((N, C) -> (N, C, 1, 1) NCHW; (N, L, C) -> (N, L, 1, C) NHWC): a reshape that
  moves no value, as TF's own Keras 2 fused path did.
--op moments (backend tf-moments-cpu): tf.nn.moments + tf.nn.batch_normalization, the
  unfused form: mean and population variance (mean of squared differences from the mean),
  y = (x - mean) * rsqrt(var + eps) * scale + offset. It keeps no running statistics, and
  every operand of tf.nn.batch_normalization must have x's dtype, so f16/bf16 cases (whose
  parameters and statistics stay float32) are unsupported; float64 runs.
num_batches_tracked is counted by the producer (TF has no counter); gradients by GradientTape
with dy as output_gradients."""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from bnconf.layer import LayerRunner  # noqa: E402
from bnconf.producer import Unsupported, main  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.set_visible_devices([], "GPU")
# TF 2 exports the FusedBatchNormV3 wrapper only under compat.v1 (no tf.nn.fused_batch_norm)
fused_batch_norm = tf.compat.v1.nn.fused_batch_norm
DTYPES = {"f64": tf.float64, "f32": tf.float32, "f16": tf.float16, "bf16": tf.bfloat16}


def tensor(array, dtype):
    """A tensor of dtype holding the array's values exactly (half values are exact in
    float32, and numpy has no bfloat16: cast by TF from float32)."""
    host = np.asarray(array, np.float64 if dtype == tf.float64 else np.float32)
    return tf.cast(tf.constant(host), dtype)


class FusedRunner(LayerRunner):
    framework = "tf.compat.v1.nn.fused_batch_norm (FusedBatchNormV3)"
    conventions = ("weights_batch",)
    estimator = "unbiased_clamped"
    dtypes = ("f32", "f16", "bf16")
    omitted_outputs = {"saved_invstd": "FusedBatchNormV3 on CPU keeps no inverse std"}

    def __init__(self, args):
        self.name = "tf-fused-cpu"
        self.version = f"{tf.__version__} cpu (FusedBatchNormV3)"

    def dtype_reason(self, dtype):
        return f"FusedBatchNormV3 has no {dtype} kernel (x: f32, f16, bf16)"

    def check_expressible(self, case):
        super().check_expressible(case)
        if case.operation != "error" and case.rank not in (2, 3, 4, 5):
            raise Unsupported("FusedBatchNormV3 takes 4-D or 5-D input")

    @staticmethod
    def four_d(case, x):
        """(x as 4-D/5-D, data_format, shape to restore)."""
        last = case.layout == "channels_last" and x.ndim >= 3
        shape = x.shape
        if x.ndim == 2:
            x = x.reshape(shape + (1, 1))
        elif x.ndim == 3:
            x = x.reshape(shape[:2] + (1,) + shape[2:]) if last else x.reshape(shape + (1,))
        if x.ndim == 5:
            fmt = "NDHWC" if last else "NCDHW"
        else:
            fmt = "NHWC" if last else "NCHW"
        return x, fmt, shape

    def operands(self, case, x, params, state):
        x4, fmt, shape = self.four_d(case, np.asarray(x))
        xt = tensor(x4, DTYPES[case.dtype])
        channels = x4.shape[-1] if fmt.endswith("C") else x4.shape[1]
        if params is None:  # affine = 0: gamma 1, beta 0 (the fused op always scales)
            params = {"weight": np.ones(channels), "bias": np.zeros(channels)}
        scale, offset = (tensor(params[k], tf.float32) for k in ("weight", "bias"))
        mean, var = (None, None) if state is None else (tensor(v, tf.float32) for v in state)
        return xt, scale, offset, mean, var, fmt, shape

    def forward(self, case, x, params, state, training):
        xt, scale, offset, mean, var, fmt, shape = self.operands(case, x, params, state)
        factor = 1.0
        if training and state is not None:
            factor = case.momentum  # weights_batch: (1 - f) * old + f * batch
        y, new_mean, new_var = fused_batch_norm(
            xt, scale, offset, mean=mean, variance=var, epsilon=case.eps, data_format=fmt,
            is_training=training, exponential_avg_factor=factor)
        stats = {}
        if training and case.operation != "error":
            # reserve_space_1/2: the batch mean and the biased batch variance (CPU kernel)
            empty = tf.constant([], tf.float32)
            raw = tf.raw_ops.FusedBatchNormV3(
                x=xt, scale=scale, offset=offset, mean=empty, variance=empty,
                epsilon=case.eps, exponential_avg_factor=1.0, data_format=fmt,
                is_training=True)
            stats = {"batch_mean": raw.reserve_space_1.numpy(),
                     "batch_var": raw.reserve_space_2.numpy()}
        new_state = None
        if training and state is not None:
            new_state = (new_mean.numpy(), new_var.numpy())
        return tf.cast(y, tf.float64).numpy().reshape(shape), new_state, stats

    def gradients(self, case, x, dy, params, state, training):
        xt, scale, offset, mean, var, fmt, shape = self.operands(case, x, params, state)
        dyt = tensor(self.four_d(case, np.asarray(dy))[0], DTYPES[case.dtype])
        with tf.GradientTape() as tape:
            tape.watch([xt, scale, offset])
            y, _, _ = fused_batch_norm(xt, scale, offset, mean=mean, variance=var,
                                             epsilon=case.eps, data_format=fmt,
                                             is_training=training)
        dx, dscale, doffset = tape.gradient(y, [xt, scale, offset], output_gradients=dyt)
        dx = tf.cast(dx, tf.float64).numpy().reshape(shape)
        if params is None:
            return dx, None, None
        return dx, dscale.numpy(), doffset.numpy()


class MomentsRunner(LayerRunner):
    framework = "tf.nn.moments + tf.nn.batch_normalization"
    running_stats = False
    dtypes = ("f64", "f32")
    omitted_outputs = {"saved_invstd": "tf.nn.moments returns no inverse std"}

    def __init__(self, args):
        self.name = "tf-moments-cpu"
        self.version = f"{tf.__version__} cpu (tf.nn.moments + tf.nn.batch_normalization)"

    def dtype_reason(self, dtype):
        return (f"tf.nn.batch_normalization takes mean, variance, scale and offset in x's "
                f"dtype: a {dtype} case keeps them in float32")

    def forward(self, case, x, params, state, training):
        xt = tensor(x, DTYPES[case.dtype])
        weights = None if params is None else {k: tensor(v, xt.dtype) for k, v in params.items()}
        y, mean, var = self.compute(case, xt, weights, state, training)
        stats = {"batch_mean": mean.numpy(), "batch_var": var.numpy()} if training else {}
        return y.numpy(), None, stats

    def gradients(self, case, x, dy, params, state, training):
        xt = tensor(x, DTYPES[case.dtype])
        weights = [] if params is None else [tensor(params[k], xt.dtype)
                                             for k in ("weight", "bias")]
        with tf.GradientTape() as tape:
            tape.watch([xt] + weights)
            p = None if params is None else {"weight": weights[0], "bias": weights[1]}
            y, _, _ = self.compute(case, xt, p, state, training)
        grads = tape.gradient(y, [xt] + weights,
                              output_gradients=tensor(dy, xt.dtype))
        if params is None:
            return grads[0].numpy(), None, None
        return grads[0].numpy(), grads[1].numpy(), grads[2].numpy()

    def compute(self, case, xt, weights, state, training):
        """y, mean, var; weights {"weight", "bias"} are tensors in x's dtype (watched by the
        caller's tape) or None. Missing statistics in eval (an error case) go to TF as None."""
        axes = [a for a in range(len(xt.shape)) if a != self.feature_axis(case) % len(xt.shape)]
        shape = [1] * len(xt.shape)
        shape[self.feature_axis(case)] = xt.shape[self.feature_axis(case)]
        if training:
            mean, var = tf.nn.moments(xt, axes=axes)
        elif state is not None:
            mean, var = (tensor(v, xt.dtype) for v in state)
        else:
            mean = var = None
        def shaped(t):
            return None if t is None else tf.reshape(t, shape)
        scale = offset = None
        if weights is not None:
            scale, offset = shaped(weights["weight"]), shaped(weights["bias"])
        y = tf.nn.batch_normalization(xt, shaped(mean), shaped(var), offset, scale, case.eps)
        return y, mean, var


def make_runner(args):
    return FusedRunner(args) if args.op == "fused" else MomentsRunner(args)


def add_arguments(parser):
    parser.add_argument("--op", choices=("fused", "moments"), required=True,
                        help="fused: tf.nn.fused_batch_norm; moments: tf.nn.moments + "
                             "tf.nn.batch_normalization")


if __name__ == "__main__":
    sys.exit(main(make_runner, "Run TensorFlow batch normalisation on the bnconf fixtures.",
                  add_arguments=add_arguments))
