"""A framework's own test suite using bnconf's pytest plugin: one test per bnconf case for a
BatchNorm written here in numpy, each judged by `bnconf check`.

    pip install ./python            # the package, with its pytest plugin
    pytest python/examples/test_numpy_batch_norm.py --bnconf-tier core --bnconf-cli PATH

The implementation computes in float64 from the fixture's inputs, with PyTorch's semantics
(docs/semantics.md): normalise with the biased batch variance, update the running statistics
with the unbiased one as (1 - m) * old + m * batch (m = 1/count for momentum None), count the
batches, and take invstd = 0 where var + eps = 0 (the zero rule). It implements forward
training and inference only, for f64 and f32 cases (an f32 output is the float64 result rounded
once); every other case is skipped with the reason the runner gives."""
import numpy as np

from bnconf.layer import LayerRunner
from bnconf.pytest_plugin import conformance_cases


def batch_norm(x, weight, bias, running_mean, running_var, count, *, training, momentum, eps,
               axis):
    """BatchNorm over every axis of x but `axis`, in float64. In training with running
    statistics it returns the updated (mean, var, count) too. Returns
    (y, (mean, var, count) or None, {batch_mean, batch_var, saved_invstd} or {})."""
    axes = tuple(a for a in range(x.ndim) if a != axis)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    values = x.size // x.shape[axis] if x.shape[axis] else 0  # M, per channel
    with np.errstate(invalid="ignore", divide="ignore"):
        if training:
            if values == 1 and running_mean is not None:  # no unbiased variance of one value
                raise ValueError("Expected more than 1 value per channel when training")
            mean = x.mean(axis=axes) if values else np.full(x.shape[axis], np.nan)
            var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes) if values else mean
            invstd = np.where(var + eps == 0, 0.0, 1 / np.sqrt(var + eps))  # the zero rule
        else:
            mean, var = running_mean, running_var
            invstd = 1 / np.sqrt(var + eps)  # no zero rule in inference
        y = (x - mean.reshape(shape)) * invstd.reshape(shape)
    if weight is not None:
        y = y * weight.reshape(shape) + bias.reshape(shape)
    if not training:
        return y, None, {}
    stats = {"batch_mean": mean, "batch_var": var, "saved_invstd": invstd}
    if running_mean is None:
        return y, None, stats
    count += 1
    if values == 0:  # an empty batch counts, and leaves the running statistics alone
        return y, (running_mean, running_var, count), stats
    m = 1 / count if momentum is None else momentum
    unbiased = var * values / (values - 1)
    state = ((1 - m) * running_mean + m * mean, (1 - m) * running_var + m * unbiased, count)
    return y, state, stats


class NumpyBatchNorm(LayerRunner):
    """`batch_norm` as a bnconf runner: the class attributes declare its semantics, and the
    runner skips (as unsupported) every case that needs others where they are observable."""
    framework = name = "numpy-batch-norm"
    version = f"numpy {np.__version__}, example"
    conventions = ("weights_batch",)
    estimator = "unbiased"
    cumulative = True
    counts_batches = True
    zero_rule = True
    dtypes = ("f64", "f32")
    operations = ("forward_train", "forward_eval")

    def forward(self, case, x, params, state, training):
        weight, bias = (params["weight"], params["bias"]) if params else (None, None)
        running_mean, running_var, count = state if state else (None, None, 0)
        y, new_state, stats = batch_norm(
            x, weight, bias, running_mean, running_var, count, training=training,
            momentum=case.momentum, eps=case.eps, axis=self.feature_axis(case) % x.ndim)
        if case.dtype == "f32":  # the float64 result, rounded once to the case's dtype
            y = y.astype(np.float32)
        return y, new_state, stats


test_numpy_batch_norm = conformance_cases(NumpyBatchNorm())
