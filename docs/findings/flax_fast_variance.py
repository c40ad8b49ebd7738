"""flax.linen.BatchNorm with its default use_fast_variance=True on float32 data whose channel
mean is 1e4 times its standard deviation: the variance E[x^2] - E[x]^2 loses every significant
digit, so y and the gradients are wrong (use_fast_variance=False is right).
Needs only jax, flax and numpy."""
import jax, jax.numpy as jnp, numpy as np
from flax import linen as nn

rng = np.random.default_rng(0)
x = (1e4 + rng.standard_normal((64, 3))).astype(np.float32)   # mean 1e4, std 1
dy = rng.standard_normal((64, 3)).astype(np.float32)
for fast in (True, False):
    bn = nn.BatchNorm(use_running_average=False, use_fast_variance=fast)
    variables = bn.init(jax.random.key(0), x)
    f = lambda x_: bn.apply(variables, x_, mutable=["batch_stats"])[0]
    y, pullback = jax.vjp(f, jnp.asarray(x))
    print(f"use_fast_variance={fast}: std of y per channel {np.asarray(y).std(0)}, "
          f"max |dx| {np.abs(np.asarray(pullback(jnp.asarray(dy))[0])).max():.4g}")
# exact: y has std 1/sqrt(1 + eps/var) ~ 1 in every channel, and |dx| stays of the order of |dy| (~3)
