"""A BatchNorm written as composite operations and differentiated by autodiff (Flax, Keras on
jax or torch) loses the variance term of dx in float32 when the batch variance exceeds about
1e26: d rsqrt(v)/dv = -0.5 * v**-1.5 underflows to 0 in float32 (v**-1.5 < 1.4e-45), although
dx itself (~1/std) is a normal number. Shown with jax and flax.linen.BatchNorm (float32; the
bnconf case is bfloat16 input upcast to float32); the fused gradients of PyTorch and
TensorFlow are right. Needs only jax, flax and numpy."""
import jax, jax.numpy as jnp, numpy as np
from flax import linen as nn

print("d rsqrt(v)/dv at v = 6.6e34 in float32:", jax.grad(jax.lax.rsqrt)(jnp.float32(6.6e34)))
rng = np.random.default_rng(0)
x = (rng.standard_normal((60, 3)) * 2.6e17).astype(np.float32)    # variance ~ 6.6e34
dy = rng.standard_normal((60, 3)).astype(np.float32)
bn = nn.BatchNorm(use_running_average=False, use_fast_variance=False, epsilon=1e-5)
variables = bn.init(jax.random.key(0), x)
_, pullback = jax.vjp(lambda x_: bn.apply(variables, x_, mutable=["batch_stats"])[0], jnp.asarray(x))
dx = np.asarray(pullback(jnp.asarray(dy))[0], np.float64)
xd, dyd = x.astype(np.float64), dy.astype(np.float64)                       # exact, float64
xhat = (xd - xd.mean(0)) / np.sqrt(xd.var(0) + 1e-5)
exact = (dyd - dyd.mean(0) - xhat * (dyd * xhat).mean(0)) / np.sqrt(xd.var(0) + 1e-5)
print("max |dx - exact| / max |exact| =", np.abs(dx - exact).max() / np.abs(exact).max())  # ~1, not ~1e-7
