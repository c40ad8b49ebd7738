"""torch.compile (Inductor, CPU) of nn.BatchNorm2d in training with bfloat16 input and float32
parameters (PyTorch's mixed-precision BatchNorm): the weight gradient and dx differ from the
exact ones far more than eager PyTorch's do. Needs only torch."""
import torch

torch.manual_seed(0)
x = (torch.randn(8, 3, 6, 6) * 1.0 + 50.0).to(torch.bfloat16)       # offset data, bf16
dy = torch.randn(8, 3, 6, 6).to(torch.bfloat16)

def grads(bn, x):
    x = x.clone().requires_grad_(True)
    bn(x).backward(dy)
    return x.grad.double(), bn.weight.grad.double()

eager = grads(torch.nn.BatchNorm2d(3), x)
compiled = grads(torch.compile(torch.nn.BatchNorm2d(3), backend="inductor", fullgraph=True), x)
exact = grads(torch.nn.BatchNorm2d(3).double(), x.double())          # same values in float64
for name, e, c, t in zip(("dx", "dweight"), eager, compiled, exact):
    print(f"{name}: max |eager - exact| {float((e - t).abs().max()):.3g}, "
          f"max |compiled - exact| {float((c - t).abs().max()):.3g}")
