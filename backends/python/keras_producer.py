#!/usr/bin/env python3
"""Keras 3 producer: keras.layers.BatchNormalization on the bnconf fixtures, on one Keras
backend (--backend jax | torch | tensorflow | numpy; each is its own bnconf backend).

Keras's semantics (keras/src/layers/normalization/batch_normalization.py, `call`, and each
backend's `moments` and `batch_normalization` in keras/src/backend/<name>/nn.py):
- inputs are cast to result_type(dtype, float32): float16/bfloat16 activations are normalised
  in float32, float64 stays float64; the output is cast back to the layer's compute dtype;
- batch statistics from keras.ops.moments, whose variance depends on the backend:
  jax: jnp.var (two passes); tensorflow: tf.nn.moments (mean of squared deviations from the
  mean); torch and numpy: E[x^2] - E[x]^2 (one pass, no clamp at 0);
- y = (x - mean) * rsqrt(var + epsilon) * gamma + beta (jax; the others alike): no zero rule;
- moving statistics: moving = moving * momentum + batch * (1 - momentum), with the population
  batch variance: bnconf's weights_running convention and population estimator; no counter,
  no cumulative average, and momentum/epsilon used as given (no range check).

What comes from where:
- y, moving statistics: layer(x, training=True) / layer(x, training=False);
- batch_mean, batch_var: a second layer with momentum 0 from a zero state, whose moving
  statistics are then exactly Keras's batch statistics (0 * 0 + stat * 1);
- saved_invstd: not exposed by Keras (omitted; optional for bnconf's judge);
- num_batches_tracked: counted by the producer (said in each result's message);
- dx, dgamma, dbeta: the backend's own autodiff (jax.vjp of stateless_call, torch autograd,
  tf.GradientTape); the numpy backend has none, so its backward cases are unsupported.
Dtype policies: "float64", "float32", and "mixed_float16"/"mixed_bfloat16" for f16/bf16 cases
(activations in the half type, variables in float32: Keras's mixed precision)."""
import argparse
import os
import sys


def _backend_from_argv():
    """KERAS_BACKEND must be set before keras is imported, i.e. before argparse runs main()."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--backend", choices=("jax", "torch", "tensorflow", "numpy"))
    known, _ = pre.parse_known_args()
    return known.backend


BACKEND = _backend_from_argv()
if BACKEND:
    os.environ["KERAS_BACKEND"] = BACKEND
if BACKEND == "jax":
    import jax
    jax.config.update("jax_enable_x64", True)  # float64 cases: otherwise JAX makes them f32
    jax.config.update("jax_platforms", "cpu")
if BACKEND == "tensorflow":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if BACKEND == "torch":
    import torch
    torch.set_default_device("cpu")

from bnconf.layer import LayerRunner  # noqa: E402
from bnconf.producer import Unsupported, main  # noqa: E402

import numpy as np  # noqa: E402

POLICIES = {"f64": "float64", "f32": "float32", "f16": "mixed_float16",
            "bf16": "mixed_bfloat16"}
DTYPES = {"f64": "float64", "f32": "float32", "f16": "float16", "bf16": "bfloat16"}


class KerasRunner(LayerRunner):
    omitted_outputs = {"saved_invstd": "Keras keeps no inverse standard deviation"}

    def __init__(self, args):
        import keras
        self.keras = keras
        self.backend = keras.backend.backend()
        if self.backend != args.backend:
            raise SystemExit(f"keras: asked for backend {args.backend}, got {self.backend}")
        self.framework = f"Keras {keras.__version__} ({self.backend})"
        self.name = f"keras-{self.backend}-cpu"
        self.version = f"{keras.__version__} ({self.backend} {self.backend_version()}) cpu"

    def backend_version(self):
        module = {"jax": "jax", "torch": "torch", "tensorflow": "tensorflow",
                  "numpy": "numpy"}[self.backend]
        return __import__(module).__version__

    def check_expressible(self, case):
        super().check_expressible(case)
        backward = case.entry.startswith("backward") or case.operation == "pipeline"
        if self.backend == "numpy" and backward:
            raise Unsupported("Keras's numpy backend has no automatic differentiation")

    # -- tensors --------------------------------------------------------------------------------

    def tensor(self, array, dtype):
        """A backend tensor of the given dtype holding the array's values exactly: through
        float64 (f64) or float32 (the rest; half values are exact in float32 and numpy has no
        bfloat16), then Keras's own cast."""
        ops = self.keras.ops
        host = np.asarray(array, np.float64 if dtype == "float64" else np.float32)
        return ops.cast(ops.convert_to_tensor(host), dtype)

    def numpy(self, t):
        return np.asarray(self.keras.ops.convert_to_numpy(
            self.keras.ops.cast(t, "float64") if self.backend != "numpy" else t), np.float64)

    def layer(self, case, x_shape, momentum, params, state):
        """A built BatchNormalization with the case's attributes and the given variables; a
        vector of the wrong length is rejected by Keras's assign (the channel_mismatch
        errors). Keras always holds moving statistics: they stay at their initial values
        (0 and 1) when the case has none."""
        keras = self.keras
        layer = keras.layers.BatchNormalization(
            axis=self.feature_axis(case), momentum=momentum, epsilon=case.eps,
            center=params is not None, scale=params is not None, dtype=POLICIES[case.dtype])
        layer.build(tuple(x_shape))
        vdtype = layer.variable_dtype
        if params is not None:
            layer.gamma.assign(self.tensor(params["weight"], vdtype))
            layer.beta.assign(self.tensor(params["bias"], vdtype))
        if state is not None:
            layer.moving_mean.assign(self.tensor(state[0], vdtype))
            layer.moving_variance.assign(self.tensor(state[1], vdtype))
        return layer

    def missing_state(self):
        raise Unsupported("a Keras BatchNormalization always holds moving statistics "
                          "(initialised to 0 and 1): they cannot be left out")

    # -- hooks ----------------------------------------------------------------------------------

    def forward(self, case, x, params, state, training):
        if state is None and not training:
            self.missing_state()
        momentum = case.momentum if case.momentum is not None else 0.99
        xt = self.tensor(x, DTYPES[case.dtype])
        layer = self.layer(case, x.shape, momentum, params, state)
        y = layer(xt, training=training)
        new_state = None
        if training and state is not None:
            new_state = (self.numpy(layer.moving_mean.value),
                         self.numpy(layer.moving_variance.value))
        stats = {}
        if training and case.operation != "error":
            # momentum 0 from the zero state: the moving statistics become the batch statistics
            zero = np.zeros(x.shape[self.feature_axis(case)])
            probe = self.layer(case, x.shape, 0.0, params, (zero, zero))
            probe(xt, training=True)
            stats = {"batch_mean": self.numpy(probe.moving_mean.value),
                     "batch_var": self.numpy(probe.moving_variance.value)}
        return self.numpy(y), new_state, stats

    def gradients(self, case, x, dy, params, state, training):
        if state is None and not training:
            self.missing_state()
        momentum = case.momentum if case.momentum is not None else 0.99
        layer = self.layer(case, x.shape, momentum, params, state)
        xt = self.tensor(x, DTYPES[case.dtype])
        dyt = self.tensor(dy, DTYPES[case.dtype])
        grad = getattr(self, "gradients_" + self.backend)
        dx, dweights = grad(layer, xt, dyt, training)
        if params is None:
            return self.numpy(dx), None, None
        # trainable_variables is [gamma, beta] when scale and center
        return self.numpy(dx), self.numpy(dweights[0]), self.numpy(dweights[1])

    @staticmethod
    def gradients_jax(layer, x, dy, training):
        """jax.vjp of the layer's stateless call with dy as the cotangent (a dy whose shape is
        not y's is rejected by JAX)."""
        import jax
        trainable = [v.value for v in layer.trainable_variables]
        frozen = [v.value for v in layer.non_trainable_variables]

        def f(x_, weights):
            y, _ = layer.stateless_call(weights, frozen, x_, training=training)
            return y
        _, pullback = jax.vjp(f, x, trainable)
        dx, dweights = pullback(dy)
        return dx, dweights

    @staticmethod
    def gradients_torch(layer, x, dy, training):
        import torch
        x = x.detach().requires_grad_(True)
        y = layer(x, training=training)
        weights = [v.value for v in layer.trainable_variables]
        grads = torch.autograd.grad(y, [x] + weights, grad_outputs=dy)
        return grads[0], grads[1:]

    @staticmethod
    def gradients_tensorflow(layer, x, dy, training):
        import tensorflow as tf
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x, training=training)
        grads = tape.gradient(y, [x] + list(layer.trainable_variables), output_gradients=dy)
        return grads[0], grads[1:]


def add_arguments(parser):
    parser.add_argument("--backend", choices=("jax", "torch", "tensorflow", "numpy"),
                        required=True, help="the Keras backend (KERAS_BACKEND)")


if __name__ == "__main__":
    sys.exit(main(KerasRunner, "Run Keras 3 BatchNormalization on the bnconf fixtures.",
                  add_arguments=add_arguments))
