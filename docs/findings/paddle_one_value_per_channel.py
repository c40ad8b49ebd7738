"""paddle.nn.BatchNorm1D (and 2D) in training on a batch with one value per channel (N = 1,
no spatial extent): Paddle returns x unchanged and leaves the running statistics as they were,
instead of normalising (the single value is its own mean, so y = bias) and updating them; the
gradients follow the identity (dx = dy, dbias = 0). With Paddle's population variance M = 1 is
a valid batch (var = 0). Needs only paddle and numpy."""
import numpy as np
import paddle

paddle.set_device("cpu")
x = paddle.to_tensor(np.array([[1.5, -2.0, 3.0, 0.25]], np.float32))     # N = 1, C = 4
bn = paddle.nn.BatchNorm1D(4, momentum=0.9)
bn.train()
y = bn(x)
print("y:", y.numpy(), "(exact: the bias, 0, in every channel)")
print("running mean:", bn._mean.numpy(), "(exact: (1 - 0.9) * x =", 0.1 * x.numpy()[0], ")")
