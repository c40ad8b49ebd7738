"""Test material for suites/python/pytest_plugin_test.py: the example's numpy BatchNorm
(python/examples/test_numpy_batch_norm.py) with its two variances swapped, a classic bug:
training normalises with the unbiased batch variance and updates the running variance with the
biased one. bnconf must fail it through the pytest plugin, with its own failure text."""
import numpy as np

from bnconf.pytest_plugin import conformance_cases
from test_numpy_batch_norm import NumpyBatchNorm


class SwappedVariance(NumpyBatchNorm):
    name = "numpy-swapped-variance"

    def forward(self, case, x, params, state, training):
        if not training:
            return super().forward(case, x, params, state, training)
        axis = self.feature_axis(case) % x.ndim
        axes = tuple(a for a in range(x.ndim) if a != axis)
        shape = [1] * x.ndim
        shape[axis] = x.shape[axis]
        values = x.size // x.shape[axis] if x.shape[axis] else 0
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = x.mean(axis=axes)
            biased = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)
            unbiased = biased * values / max(values - 1, 1)
            invstd = 1 / np.sqrt(unbiased + case.eps)  # wrong: the unbiased variance
            y = (x - mean.reshape(shape)) * invstd.reshape(shape)
        if params:
            y = y * params["weight"].reshape(shape) + params["bias"].reshape(shape)
        if case.dtype == "f32":
            y = y.astype(np.float32)
        stats = {"batch_mean": mean, "batch_var": biased, "saved_invstd": invstd}
        if state is None:
            return y, None, stats
        running_mean, running_var, count = state
        count += 1
        if values == 0:
            return y, (running_mean, running_var, count), stats
        m = 1 / count if case.momentum is None else case.momentum
        # wrong: the biased variance into the running statistics
        return y, ((1 - m) * running_mean + m * mean, (1 - m) * running_var + m * biased,
                   count), stats


test_swapped_variance = conformance_cases(SwappedVariance())
