"""tinygrad.nn.BatchNorm on float16 input computes its batch statistics in float16: the mean of
(x - mean)^2 overflows to inf once the variance passes float16's 65504 (values a few hundred
apart), so y collapses and the gradients become 0 or NaN, and smaller statistics carry
float16 rounding. Needs only tinygrad and numpy (CPU device)."""
import os
os.environ.setdefault("DEV", "CPU")
import numpy as np
from tinygrad import Tensor, dtypes, nn
from tinygrad.helpers import Context

x = np.random.default_rng(0).uniform(-1000, 1000, (60, 3)).astype(np.float16)   # var ~3e5
bn = nn.BatchNorm(3)                                   # weight, bias, running stats: float32
with Context(TRAINING=1):
    mean, var = bn.calc_stats(Tensor(x.astype(np.float32)).cast(dtypes.float16))
    print("batch variance (float16):", var.numpy(), " exact:", x.astype(np.float64).var(0))
    y = bn(Tensor(x.astype(np.float32)).cast(dtypes.float16))
    print("std of y per channel:", y.cast(dtypes.float32).numpy().std(0), "(exact: about 1)")
