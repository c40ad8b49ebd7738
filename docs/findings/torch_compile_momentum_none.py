"""torch.compile(fullgraph=True) of nn.BatchNorm1d(momentum=None) (cumulative moving average)
in training fails: momentum becomes 1 / num_batches_tracked, a float computed from a tensor,
and Dynamo cannot trace it ("Could not guard on data-dependent expression"). Needs only torch."""
import torch

bn = torch.compile(torch.nn.BatchNorm1d(3, momentum=None), backend="inductor", fullgraph=True)
try:
    bn(torch.randn(4, 3))
    print("compiled: ok, running_mean", bn.running_mean)
except Exception as e:  # noqa: BLE001
    print(type(e).__name__ + ":", str(e).splitlines()[0])
