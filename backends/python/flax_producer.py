#!/usr/bin/env python3
"""Flax producer: flax.linen.BatchNorm or flax.nnx.BatchNorm on the bnconf fixtures, with
use_fast_variance true or false (each pair is its own backend), on JAX's CPU.

Flax's semantics (flax/linen/normalization.py and flax/nnx/nn/normalization.py, _compute_stats
and _normalize):
- batch statistics over every axis but `axis`: mean = E[x]; the variance is
  use_fast_variance=True:  max(0, E[x^2] - E[x]^2)   (one pass, Flax's default)
  use_fast_variance=False: E[(x - E[x])^2]           (two passes)
  computed in at least float32 (float64 stays float64 with jax_enable_x64);
- y = (x - mean) * rsqrt(var + epsilon) * scale + bias: no zero rule for eps = 0;
- running statistics: ra = momentum * ra + (1 - momentum) * batch, with the batch (population)
  variance: bnconf's weights_running convention and population estimator; no counter, no
  cumulative average.
So the momentum is handed to Flax as the case gives it (never 1 - m), and cases of the pytorch
preset are unsupported wherever their running statistics are compared.

What comes from where:
- y, running statistics: the module in training (use_running_average=False, batch_stats
  mutable) or eval (use_running_average=True);
- batch_mean, batch_var: the same module applied once more with momentum 0 from a zero state,
  whose updated batch_stats are then exactly Flax's batch statistics (0 * 0 + 1 * stat);
- saved_invstd: not exposed by Flax (omitted; optional for bnconf's judge);
- num_batches_tracked: counted by the producer (said in each result's message);
- dx, dweight, dbias: jax.vjp of the module's apply with dy as the cotangent (linen), or
  nnx.vjp-equivalent through nnx.split/merge (nnx).
Dtypes: float64 with jax_enable_x64 (parameters and running statistics float64 too); f32; f16
and bf16 activations with float32 parameters and statistics (Flax's default param_dtype and its
float32 reductions)."""
import sys

from bnconf.layer import LayerRunner
from bnconf.producer import Unsupported, main

import jax

jax.config.update("jax_enable_x64", True)  # before any array exists: float64 cases
jax.config.update("jax_platforms", "cpu")
import flax  # noqa: E402
import jaxlib  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from flax import linen, nnx  # noqa: E402

DTYPES = {"f64": jnp.float64, "f32": jnp.float32, "f16": jnp.float16, "bf16": jnp.bfloat16}
# parameters and running statistics: float32 for half-precision activations (Flax's default
# param_dtype, and docs/tolerances.md assumption 2), else the activation's dtype.
PARAM_DTYPES = {"f16": jnp.float32, "bf16": jnp.float32}


class FlaxRunner(LayerRunner):
    omitted_outputs = {"saved_invstd": "Flax keeps no inverse standard deviation"}

    def __init__(self, args):
        self.api = args.api
        self.fast = args.fast_variance == "true"
        mode = "fast" if self.fast else "twopass"
        self.framework = f"flax.{self.api}.BatchNorm(use_fast_variance={self.fast})"
        self.name = f"flax-{self.api}-{mode}-cpu"
        self.version = (f"{flax.__version__} (jax {jax.__version__}, jaxlib "
                        f"{jaxlib.__version__}) cpu, use_fast_variance={self.fast}")

    # -- arrays ---------------------------------------------------------------------------------

    @staticmethod
    def arrays(case, x, params, state):
        dtype = DTYPES[case.dtype]
        pdtype = PARAM_DTYPES.get(case.dtype, dtype)
        x = jnp.asarray(np.asarray(x, dtype=np.float64).astype(dtype))
        if params is not None:
            params = {k: None if v is None else jnp.asarray(np.asarray(v), pdtype)
                      for k, v in params.items()}
        if state is not None:
            state = tuple(jnp.asarray(np.asarray(v), pdtype) for v in state)
        return x, params, state, pdtype

    # -- the two APIs, as pure functions of (x, params, state) ------------------------------------

    def linen_apply(self, case, params, momentum, pdtype, training):
        """apply(x, params, state) -> (y, new_state) for a linen.BatchNorm with the case's
        attributes; state is (mean, var) and new_state the updated one when training."""
        module = linen.BatchNorm(
            use_running_average=not training, axis=self.feature_axis(case), momentum=momentum,
            epsilon=case.eps, use_bias=params is not None, use_scale=params is not None,
            use_fast_variance=self.fast, dtype=DTYPES[case.dtype], param_dtype=pdtype)

        def apply(x, p, state):
            variables = {}
            if state is not None:
                variables["batch_stats"] = {"mean": state[0], "var": state[1]}
            if p is not None:
                variables["params"] = {"scale": p["weight"], "bias": p["bias"]}
            if training:
                y, updated = module.apply(variables, x, mutable=["batch_stats"])
                return y, (updated["batch_stats"]["mean"], updated["batch_stats"]["var"])
            return module.apply(variables, x), None
        return apply

    def nnx_apply(self, case, params, momentum, pdtype, training):
        """The same with nnx.BatchNorm: a fresh module per call, its Param and BatchStat
        variables replaced by the given arrays (so their dtype is the arrays')."""
        channels = case.channels if case.rank >= 2 else 1

        def apply(x, p, state):
            bn = nnx.BatchNorm(channels, axis=self.feature_axis(case), momentum=momentum,
                               epsilon=case.eps, use_bias=p is not None, use_scale=p is not None,
                               use_fast_variance=self.fast, dtype=DTYPES[case.dtype],
                               param_dtype=pdtype,
                               rngs=nnx.Rngs(0))
            bn.mean = nnx.BatchStat(state[0])
            bn.var = nnx.BatchStat(state[1])
            if p is not None:
                bn.scale = nnx.Param(p["weight"])
                bn.bias = nnx.Param(p["bias"])
            y = bn(x, use_running_average=not training)
            return y, ((bn.mean[...], bn.var[...]) if training else None)
        return apply

    def apply_fn(self, case, params, momentum, pdtype, training):
        make = self.linen_apply if self.api == "linen" else self.nnx_apply
        return make(case, params, momentum, pdtype, training)

    @staticmethod
    def scratch_state(x, pdtype, case):
        """Running statistics for calls whose running output is not used (untracked cases):
        Flax always keeps them; zeros and ones of the channel count."""
        channels = x.shape[LayerRunner.feature_axis(case)] if x.ndim >= 2 else 1
        return jnp.zeros(channels, pdtype), jnp.ones(channels, pdtype)

    # -- hooks ----------------------------------------------------------------------------------

    def missing_state(self, case):
        """Eval without running statistics (an error case): linen is applied without a
        batch_stats collection (Flax's own error); an nnx module always holds them."""
        if self.api == "nnx":
            raise Unsupported("nnx.BatchNorm always holds running statistics (initialised to 0 "
                              "and 1): they cannot be left out")
        return None

    def forward(self, case, x, params, state, training):
        x, params, state, pdtype = self.arrays(case, x, params, state)
        if state is None and not training:
            state = self.missing_state(case)
        momentum = case.momentum if case.momentum is not None else 0.99
        used_state = state if state is not None or not training else self.scratch_state(
            x, pdtype, case)
        y, new_state = self.apply_fn(case, params, momentum, pdtype, training)(x, params,
                                                                                used_state)
        stats = {}
        if training and case.operation != "error":
            # momentum 0 from a zero state: the updated statistics are the batch statistics
            zero = tuple(jnp.zeros_like(v) for v in used_state)
            _, batch = self.apply_fn(case, params, 0.0, pdtype, True)(x, params, zero)
            stats = {"batch_mean": batch[0], "batch_var": batch[1]}
        return y, (new_state if state is not None else None), stats

    def gradients(self, case, x, dy, params, state, training):
        x, params, state, pdtype = self.arrays(case, x, params, state)
        if state is None and not training:
            state = self.missing_state(case)
        dy = jnp.asarray(np.asarray(dy, dtype=np.float64).astype(x.dtype))
        momentum = case.momentum if case.momentum is not None else 0.99
        used_state = state if state is not None or not training else self.scratch_state(
            x, pdtype, case)
        apply = self.apply_fn(case, params, momentum, pdtype, training)
        # vjp with dy as the cotangent: the gradients of sum(y * dy); a dy of another shape
        # than y is rejected by JAX (the shape_mismatch error case)
        y, pullback = jax.vjp(lambda x_, p_: apply(x_, p_, used_state)[0], x, params)
        dx, dparams = pullback(dy)
        if params is None:
            return dx, None, None
        return dx, dparams["weight"], dparams["bias"]


def add_arguments(parser):
    parser.add_argument("--api", choices=("linen", "nnx"), required=True)
    parser.add_argument("--fast-variance", choices=("true", "false"), required=True,
                        help="use_fast_variance: E[x^2] - E[x]^2 (true, Flax's default) or "
                             "E[(x - E[x])^2] (false)")


if __name__ == "__main__":
    sys.exit(main(FlaxRunner, "Run Flax BatchNorm on the bnconf fixtures.",
                  add_arguments=add_arguments))
