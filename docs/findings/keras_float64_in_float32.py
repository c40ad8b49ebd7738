"""keras.layers.BatchNormalization(dtype="float64") on the jax (and torch, numpy) backend
normalises in float32: call() casts the input to backend.result_type(x.dtype, "float32"), and
Keras's result_type maps float64 to float32 on every backend but TensorFlow. The output is
float64 but only float32-accurate. Run with KERAS_BACKEND=jax (or torch, numpy).
Needs only keras, its backend and numpy."""
import os
os.environ.setdefault("KERAS_BACKEND", "jax")
if os.environ["KERAS_BACKEND"] == "jax":
    import jax
    jax.config.update("jax_enable_x64", True)
import keras, numpy as np

x = np.random.default_rng(0).standard_normal((32, 4)) + 100.0
layer = keras.layers.BatchNormalization(dtype="float64", epsilon=1e-3)
y = keras.ops.convert_to_numpy(layer(keras.ops.convert_to_tensor(x), training=True))
exact = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3)
print("backend", keras.backend.backend(), "| y dtype", y.dtype,
      "| result_type(float64, float32) =", keras.backend.result_type("float64", "float32"),
      "| max |y - exact| =", np.abs(y - exact).max())   # ~1e-7 (float32), not ~1e-15
