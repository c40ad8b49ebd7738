"""flax.linen.BatchNorm on bfloat16 (or float16) input, float32 parameters: dx is the sum of
contributions each rounded to bfloat16 first. x enters the computation twice (upcast for the
statistics in _compute_stats and for x - mean in _normalize); JAX's autodiff casts the
cotangent of each upcast back to bfloat16 and adds them in bfloat16, so where they cancel, dx
is off by many of its own ulps. Needs only jax, flax and numpy."""
import jax, jax.numpy as jnp, numpy as np
from flax import linen as nn

rng = np.random.default_rng(1)
x32 = rng.standard_normal((75, 4)).astype(np.float32)
dy32 = rng.standard_normal((75, 4)).astype(np.float32)
x16 = jnp.asarray(x32).astype(jnp.bfloat16)
x32 = np.asarray(x16.astype(jnp.float32))                    # the same values, exact in bf16
bn = nn.BatchNorm(use_running_average=False, use_fast_variance=False, dtype=jnp.bfloat16)
variables = bn.init(jax.random.key(0), x16)
def dx_of(x):
    y, pullback = jax.vjp(lambda x_: bn.apply(variables, x_, mutable=["batch_stats"])[0], x)
    return np.asarray(pullback(jnp.asarray(dy32).astype(y.dtype))[0], np.float64)
xd, dyd = x32.astype(np.float64), np.asarray(jnp.asarray(dy32).astype(jnp.bfloat16), np.float64)
xhat = (xd - xd.mean(0)) / np.sqrt(xd.var(0) + 1e-5)
exact = (dyd - dyd.mean(0) - xhat * (dyd * xhat).mean(0)) / np.sqrt(xd.var(0) + 1e-5)
ulp = 2.0 ** (np.floor(np.log2(np.abs(exact))) - 7)           # bfloat16 spacing at |exact|
print("bf16 input: worst error in ulps of dx:", np.max(np.abs(dx_of(x16) - exact) / ulp))   # >> 1
print("f32 input:  worst error in ulps of dx:", np.max(np.abs(dx_of(jnp.asarray(x32)) - exact) / ulp))  # << 1
