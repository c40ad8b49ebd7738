"""mlx.nn.BatchNorm on float16/bfloat16 input computes its batch statistics in the input dtype
(mx.mean / mx.var of the half array): the mean of float16 values near 6e4 overflows to inf and
y becomes NaN, and elsewhere the statistics carry half-precision rounding. Needs only mlx and
numpy (MLX's CPU build on Linux)."""
import mlx.core as mx, mlx.nn as nn, numpy as np

x = np.random.default_rng(0).uniform(3e4, 6e4, (60, 3)).astype(np.float16)
bn = nn.BatchNorm(3)                        # weight, bias, running statistics: float32
bn.train()
y = bn(mx.array(x))
print("batch mean in float16:", mx.mean(mx.array(x), axis=0), " exact:", x.astype(np.float64).mean(0))
print("y has NaN:", bool(mx.any(mx.isnan(y)).item()), "| running_mean:", bn.running_mean)
