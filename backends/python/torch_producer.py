#!/usr/bin/env python3
"""PyTorch producer: torch.nn.BatchNorm{1,2,3}d (and torch.nn.functional.batch_norm for the
error tier) on the bnconf fixtures. Works with Debian's python3-torch 1.13 and pip torch 2.x.

What comes from where:
- y, updated running statistics, counter: the nn.BatchNormNd module (train()/eval()), which owns
  the momentum=None cumulative average and the num_batches_tracked increment;
- batch_mean, saved_invstd: torch.ops.aten.native_batch_norm (save_mean, save_invstd);
- batch_var (biased): torch.batch_norm_update_stats, ATen's own per-channel statistics;
- dx, dweight, dbias: autograd through the module, with dy as grad_output.
PyTorch's running variance is always unbiased and its momentum weights the batch, so cases with
another estimator or convention are unsupported when their running statistics are compared.

With --compile (backend torch-compile-<device>): the same module, and F.batch_norm for the
error tier, wrapped in torch.compile(backend="inductor", fullgraph=True), so that y, the
running statistics, the counter and the autograd gradients all come from Inductor's generated
code (its decomposition of batch norm and its backward) and a graph break is an error rather
than a silent fall-back to eager. Dynamo's caches are reset before every case, so no case runs
on another's compiled graph and the recompile limit (after which Dynamo runs eager) is never
reached. The saved statistics (batch_mean, batch_var, saved_invstd) are not exposed by a
compiled module (they are ATen's eager kernels' outputs), so they are omitted."""
import sys

import numpy as np

from bnconf.fixtures import to_memory_order
from bnconf.producer import (Unsupported, is_training, main,
                             require_running_update)

import torch
import torch.nn.functional as F

DTYPES = {"f64": torch.float64, "f32": torch.float32, "f16": torch.float16,
          "bf16": torch.bfloat16}
MODULES = {2: torch.nn.BatchNorm1d, 3: torch.nn.BatchNorm1d, 4: torch.nn.BatchNorm2d,
           5: torch.nn.BatchNorm3d}
# f16/bf16 cases: activations in the dtype, weight/bias/running statistics in float32, as torch's
# mixed-precision BatchNorm keeps them (CPU mixed-type kernels, cuDNN, autocast): a module cast
# whole to bf16 rounds its statistics to bf16, which docs/tolerances.md assumption 2 fails.
PARAM_DTYPES = {torch.float16: torch.float32, torch.bfloat16: torch.float32}
PIPELINE_BATCH, PIPELINE_LR = 100, 0.1  # fixed by schema v1 (docs/fixture-format.md)


class TorchRunner:
    def __init__(self, device, compile=False):
        if device == "cuda" and not torch.cuda.is_available():
            raise SystemExit("torch: CUDA requested but torch.cuda.is_available() is False")
        self.device = torch.device(device)
        self.compile = compile
        self.name = f"torch-{device}" if not compile else f"torch-compile-{device}"
        self.version = f"{torch.__version__} {device}"
        self.omitted_outputs = {}
        if compile:
            self.version += " (torch.compile, inductor, fullgraph)"
            self.omitted_outputs = {name: "not exposed by a compiled module" for name in
                                    ("batch_mean", "batch_var", "saved_invstd")}
        if device == "cuda":
            self.version += f" ({torch.cuda.get_device_name(0)}, cudnn {torch.backends.cudnn.version()})"
        self._dtype_problem = {}
        self.eps0_problem = self._probe_eps0()

    def _probe_eps0(self):
        """Recent torch rejects eps = 0 in training ("eps must be positive during training");
        1.13 accepts it and applies the zero rule. Probed, not keyed on the version."""
        try:
            F.batch_norm(torch.ones(2, 1, device=self.device), None, None, training=True, eps=0.0)
            return None
        except (ValueError, RuntimeError) as e:
            return str(e).splitlines()[0]

    # -- tensors --------------------------------------------------------------------------------

    def dtype(self, case):
        """The case's dtype, if this torch build implements BatchNorm in it on this device
        (torch 1.13 has no Half BatchNorm on CPU): probed once per dtype."""
        dtype = DTYPES[case.dtype]
        if dtype not in self._dtype_problem:
            try:
                probe = torch.nn.BatchNorm1d(2).to(self.device, PARAM_DTYPES.get(dtype, dtype))
                x = torch.ones(3, 2, dtype=dtype, device=self.device, requires_grad=True)
                probe(x).sum().backward()
                torch.batch_norm_update_stats(x.detach(), None, None, 0.0)
                self._dtype_problem[dtype] = None
            except (RuntimeError, NotImplementedError) as e:
                self._dtype_problem[dtype] = str(e).splitlines()[0]
        if self._dtype_problem[dtype]:
            raise Unsupported(f"torch {torch.__version__} on {self.device}: "
                              f"{self._dtype_problem[dtype]}")
        return dtype

    def activation(self, array, case, dtype, leading_axes=0):
        """A tensor with the logical shape whose memory is in the case's layout: built from the
        memory-order array, then viewed back as (N, C, ...). For rank 4/5 these are exactly the
        strides of torch.channels_last / channels_last_3d; rank 3 gets (N, L, C) memory."""
        memory = torch.from_numpy(to_memory_order(array, case.layout, leading_axes))
        memory = memory.to(self.device, dtype)
        rank = array.ndim - leading_axes
        if case.layout == "channels_last" and rank >= 3:
            order = list(range(leading_axes + 1)) + [array.ndim - 1] + list(
                range(leading_axes + 1, array.ndim - 1))
            return memory.permute(order)
        return memory

    def vector(self, case, name, dtype):
        if name not in case.inputs:
            return None
        return torch.from_numpy(np.array(case.inputs[name])).to(
            self.device, PARAM_DTYPES.get(dtype, dtype))

    @staticmethod
    def numpy(t):
        # clone: for a float64 CPU tensor .to() is a no-op and numpy() would alias a buffer
        # that later training steps update in place
        return t.detach().to("cpu", torch.float64).clone().numpy()

    # -- the module -----------------------------------------------------------------------------

    def module(self, case, dtype):
        dtype = PARAM_DTYPES.get(dtype, dtype)
        if case.rank not in MODULES:
            raise Unsupported(f"no torch.nn.BatchNorm module for rank {case.rank}")
        bn = MODULES[case.rank](case.channels, eps=case.eps, momentum=case.momentum,
                                affine=case.affine, track_running_stats=case.tracked)
        bn = bn.to(self.device, dtype)
        self.fill_module(bn, case, dtype)
        if self.compile:
            # attribute access (weight, running_mean, .grad, train()/eval()) goes through the
            # OptimizedModule to the original module
            return torch.compile(bn, backend="inductor", fullgraph=True)
        return bn

    def fill_module(self, bn, case, dtype):
        with torch.no_grad():
            if case.affine:
                bn.weight.copy_(self.vector(case, "weight", dtype))
                bn.bias.copy_(self.vector(case, "bias", dtype))
            if case.tracked and "running_mean" in case.inputs:  # backward_train has none
                bn.running_mean.copy_(self.vector(case, "running_mean", dtype))
                bn.running_var.copy_(self.vector(case, "running_var", dtype))
                bn.num_batches_tracked.fill_(int(case.inputs["num_batches_tracked"]))

    def check_expressible(self, case):
        require_running_update(case, "PyTorch", ("weights_batch",), "unbiased", cumulative=True)
        if is_training(case) and case.eps == 0 and self.eps0_problem:
            raise Unsupported(f"torch {torch.__version__} rejects eps = 0 in training, which the "
                              f"reference allows (zero rule): {self.eps0_problem}")
        if is_training(case) and case.values_per_channel == 1 and case.estimator != "unbiased":
            raise Unsupported("PyTorch rejects one value per channel in training "
                              "(_verify_batch_size); the case's estimator allows it")

    def batch_stats(self, x, case):
        """batch_mean, batch_var (biased), saved_invstd from ATen's kernels. Both kernels
        die with SIGFPE on an empty batch in torch 1.13 (nn.BatchNorm itself is fine there:
        _batch_norm_impl_index returns before any kernel and leaves its saved statistics
        uninitialised), so an empty input gets them from torch.var_mean over the reduced axes,
        the mean and variance of nothing (NaN), which the judge leaves open (docs/tolerances.md,
        "Elements the semantics leave open")."""
        # float32 weight and scratch running statistics select ATen's mixed-type kernel for
        # f16/bf16 input (statistics in float); weight 1 leaves the statistics untouched.
        param_dtype = PARAM_DTYPES.get(x.dtype, x.dtype)
        ones = torch.ones(case.channels, dtype=param_dtype, device=self.device)
        zeros = torch.zeros(case.channels, dtype=param_dtype, device=self.device)
        with torch.no_grad():
            if x.numel() == 0:
                axes = [0] + list(range(2, x.dim()))
                var, mean = torch.var_mean(x.to(param_dtype), dim=axes, unbiased=False)
                return self.numpy(mean), self.numpy(var), self.numpy(torch.rsqrt(var + case.eps))
            _, mean, invstd = torch.ops.aten.native_batch_norm(
                x, ones, zeros, None, None, True, 0.0, case.eps)
            _, var = torch.batch_norm_update_stats(x, zeros.clone(), ones.clone(), 0.0)
            return self.numpy(mean), self.numpy(var), self.numpy(invstd)

    # -- operations -----------------------------------------------------------------------------

    def run(self, case):
        if self.compile:
            torch._dynamo.reset()  # every case compiles its own graphs from scratch
        if case.operation == "error":
            return self.run_error(case)
        self.check_expressible(case)
        dtype = self.dtype(case)
        return getattr(self, case.operation)(case, dtype)

    def forward_train(self, case, dtype):
        bn = self.module(case, dtype).train()
        x = self.activation(case.inputs["x"], case, dtype)
        with torch.no_grad():
            out = {"y": self.numpy(bn(x))}
        if not self.compile:
            out.update(zip(("batch_mean", "batch_var", "saved_invstd"),
                           self.batch_stats(x, case)))
        out.update(self.state(bn, case))
        return out

    def state(self, bn, case):
        if not case.tracked:
            return {}
        return {"running_mean": self.numpy(bn.running_mean),
                "running_var": self.numpy(bn.running_var),
                "num_batches_tracked": float(bn.num_batches_tracked.item())}

    def forward_eval(self, case, dtype):
        bn = self.module(case, dtype).eval()
        with torch.no_grad():
            return {"y": self.numpy(bn(self.activation(case.inputs["x"], case, dtype)))}

    def backward(self, case, dtype, train):
        bn = self.module(case, dtype).train(train)
        x = self.activation(case.inputs["x"], case, dtype).detach().requires_grad_(True)
        y = bn(x)
        y.backward(self.activation(case.inputs["dy"], case, dtype))
        out = {"dx": self.numpy(x.grad)}
        if case.affine:
            out["dweight"] = self.numpy(bn.weight.grad)
            out["dbias"] = self.numpy(bn.bias.grad)
        return out

    def backward_train(self, case, dtype):
        return self.backward(case, dtype, True)

    def backward_eval(self, case, dtype):
        return self.backward(case, dtype, False)

    def sequence(self, case, dtype):
        bn = self.module(case, dtype).train()
        xs = self.activation(case.inputs["x"], case, dtype, leading_axes=1)
        steps = {name: [] for name in ("y", "batch_mean", "batch_var", "saved_invstd",
                                       "running_mean", "running_var", "num_batches_tracked")}
        for k in range(case.steps):
            with torch.no_grad():
                steps["y"].append(self.numpy(bn(xs[k])))
            if not self.compile:
                for name, value in zip(("batch_mean", "batch_var", "saved_invstd"),
                                       self.batch_stats(xs[k], case)):
                    steps[name].append(value)
            for name, value in self.state(bn, case).items():
                steps[name].append(value)
        out = {name: np.stack(values) for name, values in steps.items() if values}
        bn.eval()
        with torch.no_grad():
            out["y_eval"] = self.numpy(bn(self.activation(case.inputs["x_eval"], case, dtype)))
        return out

    def pipeline(self, case, dtype):
        """The seed example trained in torch: BatchNorm1d -> Linear -> cross_entropy, plain SGD
        (lr 0.1, batches of 100 rows in order), autograd for every gradient."""
        bn = self.module(case, dtype)
        linear = torch.nn.Linear(case.channels, case.inputs["linear_weight"].shape[0])
        linear = linear.to(self.device, dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(case.inputs["linear_weight"]).to(linear.weight))
            linear.bias.copy_(torch.from_numpy(case.inputs["linear_bias"]).to(linear.bias))
        x = self.activation(case.inputs["x"], case, dtype)
        labels = torch.from_numpy(case.inputs["labels"]).to(self.device, torch.int64)
        params = list(bn.parameters()) + list(linear.parameters())
        losses, accuracies = [], []
        for _ in range(case.steps):
            bn.train()
            batch_losses = []
            for start in range(0, x.shape[0] - PIPELINE_BATCH + 1, PIPELINE_BATCH):
                rows = slice(start, start + PIPELINE_BATCH)
                loss = F.cross_entropy(linear(bn(x[rows])), labels[rows])
                for p in params:
                    p.grad = None
                loss.backward()
                with torch.no_grad():
                    for p in params:
                        p -= PIPELINE_LR * p.grad
                batch_losses.append(loss.detach())
            losses.append(self.numpy(torch.stack(batch_losses).mean()))
            bn.eval()
            with torch.no_grad():
                predicted = linear(bn(x)).argmax(dim=1)  # first maximum on a tie
                accuracies.append(self.numpy((predicted == labels).to(torch.float64).mean()))
        out = {"epoch_loss": np.array(losses), "epoch_accuracy": np.array(accuracies),
               "weight": self.numpy(bn.weight), "bias": self.numpy(bn.bias),
               "linear_weight": self.numpy(linear.weight), "linear_bias": self.numpy(linear.bias)}
        out.update(self.state(bn, case))
        return out

    def run_error(self, case):
        """An invalid input goes to torch as a user would hand it: the rank check of the module
        matching the rank (what nn.BatchNormNd.forward does first), then F.batch_norm with
        exactly the tensors present (a module builds consistent parameters itself, so
        mismatched sizes or missing statistics can only be passed to the functional form)."""
        dtype = self.dtype(case)
        module_class = MODULES.get(min(max(case.rank, 2), 5))
        module_class(max(case.channels, 1))._check_input_dim(torch.empty(case.shape))
        x = self.activation(case.inputs["x"], case, dtype).detach().requires_grad_(True)
        batch_norm = F.batch_norm
        if self.compile:
            batch_norm = torch.compile(F.batch_norm, backend="inductor", fullgraph=True)
        y = batch_norm(x, self.vector(case, "running_mean", dtype),
                         self.vector(case, "running_var", dtype),
                         self.vector(case, "weight", dtype), self.vector(case, "bias", dtype),
                         training=case.call in ("forward_train", "backward_train") or not case.tracked,
                         momentum=case.momentum if case.momentum is not None else 0.1,
                         eps=case.eps)
        if case.call.startswith("backward"):
            y.backward(self.activation(case.inputs["dy"], case, dtype))
        return {}


def add_arguments(parser):
    parser.add_argument("--compile", action="store_true",
                        help="torch.compile (inductor, fullgraph) the module and F.batch_norm")


if __name__ == "__main__":
    sys.exit(main(lambda args: TorchRunner(args.device, args.compile),
                  "Run PyTorch BatchNorm on the bnconf fixtures.", add_arguments=add_arguments))
