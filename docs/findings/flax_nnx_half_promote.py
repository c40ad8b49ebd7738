"""flax.nnx.BatchNorm(dtype=bfloat16) in eval rounds its float32 running statistics to bfloat16
before normalising (promote_dtype casts every operand to `dtype`); flax.linen.BatchNorm with the
same dtype keeps them in float32. Both round the output to bfloat16; nnx adds the statistics'
rounding. Needs only jax, flax and numpy."""
import jax.numpy as jnp, numpy as np
from flax import linen, nnx

x = jnp.asarray(np.random.default_rng(0).standard_normal((8, 4)), jnp.bfloat16)
mean = jnp.asarray([0.1234567, -1.2345678, 2.3456789, 0.3333333], jnp.float32)
var = jnp.asarray([1.1111111, 0.7777777, 1.3333333, 0.9999], jnp.float32)
bn = nnx.BatchNorm(4, dtype=jnp.bfloat16, rngs=nnx.Rngs(0))
bn.mean, bn.var = nnx.BatchStat(mean), nnx.BatchStat(var)
y_nnx = np.asarray(bn(x, use_running_average=True), np.float64)
y_linen = np.asarray(linen.BatchNorm(use_running_average=True, dtype=jnp.bfloat16).apply(
    {"params": {"scale": jnp.ones(4), "bias": jnp.zeros(4)},
     "batch_stats": {"mean": mean, "var": var}}, x), np.float64)
exact = (np.asarray(x, np.float64) - np.asarray(mean, np.float64)) / np.sqrt(np.asarray(var, np.float64) + 1e-5)
print("max |y - exact|: nnx", np.abs(y_nnx - exact).max(), " linen", np.abs(y_linen - exact).max())
