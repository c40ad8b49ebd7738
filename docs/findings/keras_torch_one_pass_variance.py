"""Keras 3 BatchNormalization on the torch (and numpy) backend computes the batch variance as
E[x^2] - E[x]^2 (keras/src/backend/torch/nn.py, moments), unclamped: on float32 data whose mean
is 1e4 times its standard deviation the variance is lost, y and the gradients are wrong.
Needs only keras, torch and numpy; run with KERAS_BACKEND=torch (the jax backend uses
jnp.var and is right)."""
import os
os.environ.setdefault("KERAS_BACKEND", "torch")
import keras, numpy as np

rng = np.random.default_rng(0)
x = (1e4 + rng.standard_normal((64, 3))).astype(np.float32)   # mean 1e4, std 1
mean, var = keras.ops.moments(keras.ops.convert_to_tensor(x), axes=[0])
layer = keras.layers.BatchNormalization()
y = keras.ops.convert_to_numpy(layer(keras.ops.convert_to_tensor(x), training=True))
print("backend", keras.backend.backend())
print("keras.ops.moments variance:", keras.ops.convert_to_numpy(var), " exact:", x.astype(np.float64).var(0))
print("std of y per channel:", y.std(0), " (exact: about 1 in every channel)")
