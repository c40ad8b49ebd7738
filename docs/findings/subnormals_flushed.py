"""JAX (XLA's CPU backend) and TensorFlow's CPU kernels flush subnormal float32 values to zero:
a BatchNorm weight gradient sum(dy * xhat) of ~2.6e-41 comes out 0. Run with the framework
named on the command line: python subnormals_flushed.py jax | tensorflow."""
import sys
import numpy as np

tiny = np.float32(2.0 ** -140)            # subnormal: below float32's 2**-126
if sys.argv[1:] == ["tensorflow"]:
    import tensorflow as tf
    print("tensorflow:", (tf.constant(tiny) * tf.constant(np.float32(1.0))).numpy(), "expected", tiny)
else:
    import jax.numpy as jnp
    print("jax:", jnp.asarray(tiny) * jnp.float32(1.0), "expected", tiny)
