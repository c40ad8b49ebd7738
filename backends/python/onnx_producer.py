#!/usr/bin/env python3
"""ONNX Runtime producer: one-node BatchNormalization models built with onnx.helper.

What comes from where:
- y (eval, tracked): opset 15, training_mode=0, the running statistics as input_mean/input_var;
- y (training, and untracked eval, which normalises with batch statistics): opset 15,
  training_mode=1; running_mean/running_var are its optional outputs (the case's momentum);
- batch_mean, batch_var, saved_invstd: a second model, opset 9 in training form (5 outputs) with
  momentum 0 from a zero state, so that its running outputs ARE the batch statistics
  (0·old + 1·batch) and its saved_mean/saved_var are ONNX Runtime's saved statistics;
  ONNX Runtime fills saved_var with 1/sqrt(var + eps), the inverse std (checked in the tests);
- num_batches_tracked: ONNX keeps no counter; the producer counts the training steps.
Not expressible, hence unsupported: backward (no gradient op in ONNX Runtime's inference
build), the pipeline, the PyTorch momentum convention and the unbiased estimators (ONNX uses
m·old + (1−m)·batch and the population variance), eps = 0 in training (no zero rule: the spec's
(x − μ)/sqrt(σ² + eps) is NaN on a constant channel), and in f64 cases an eps or momentum that
float32 cannot hold (ONNX attributes are float32)."""
import sys

import numpy as np

from bnconf.fixtures import to_logical_order, to_memory_order
from bnconf.producer import (Unsupported, is_training, main,
                             require_running_update, updates_running_stats)

import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

ort.set_default_logger_severity(3)  # rejected error-tier inputs would log every exception

# Activation dtype -> (ONNX type, numpy type); f16 keeps its statistics and parameters in
# float32 (BatchNormalization-15 allows T1/T2 to differ from T), as docs/tolerances.md
# assumption 2 asks. numpy has no bfloat16, so bf16 cannot be fed.
TYPES = {"f64": (TensorProto.DOUBLE, np.float64), "f32": (TensorProto.FLOAT, np.float32),
         "f16": (TensorProto.FLOAT16, np.float16)}
PARAM_TYPES = {"f16": "f32"}


def float32_exact(value):
    return float(np.float32(value)) == value


class OnnxRunner:
    def __init__(self, device):
        providers = ort.get_available_providers()
        self.provider = {"cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider"}[device]
        if self.provider not in providers:
            raise SystemExit(f"onnxruntime: {self.provider} not available ({providers})")
        self.name = f"onnxruntime-{device}"
        self.version = f"{ort.__version__} {device} (onnx {onnx.__version__})"
        self.sessions = {}

    # -- models ---------------------------------------------------------------------------------

    def session(self, case, opset, outputs, training, momentum, rank, omit_stats=False):
        """A session for one BatchNormalization node; channels_last input is handed over in
        (N, spatial..., C) memory, so the model wraps the node in Transposes, as an exported
        channels-last model does (the ONNX operator itself is channels-first only)."""
        key = (case.dtype, case.layout, opset, outputs, training, momentum, case.eps, rank,
               omit_stats)
        if key in self.sessions:
            return self.sessions[key]
        x_type = TYPES[case.dtype][0]
        p_type = TYPES[PARAM_TYPES.get(case.dtype, case.dtype)][0]
        attrs = {"epsilon": case.eps, "momentum": 0.9 if momentum is None else momentum}
        if opset >= 14:
            attrs["training_mode"] = int(training)
        channels_last = case.layout == "channels_last" and rank >= 3
        nodes, x_name, y_name = [], "x", "y"
        if channels_last:
            to_first = [0, rank - 1] + list(range(1, rank - 1))
            to_last = [0] + list(range(2, rank)) + [1]
            nodes.append(helper.make_node("Transpose", ["x"], ["x_nc"], perm=to_first))
            x_name, y_name = "x_nc", "y_nc"
        names = [y_name] + list(outputs[1:])
        stats = ["", ""] if omit_stats else ["mean", "var"]  # "" = input not given
        nodes.append(helper.make_node("BatchNormalization", [x_name, "scale", "bias"] + stats,
                                      names, **attrs))
        if channels_last:
            nodes.append(helper.make_node("Transpose", ["y_nc"], ["y"], perm=to_last))
        value = helper.make_tensor_value_info
        graph = helper.make_graph(
            nodes, "bn", [value("x", x_type, None)] + [value(n, p_type, None) for n in
                                                       ["scale", "bias"] + [s for s in stats if s]],
            [value("y", x_type, None)] + [value(n, p_type, None) for n in outputs[1:]])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        session = ort.InferenceSession(model.SerializeToString(), providers=[self.provider])
        self.sessions[key] = session
        return session

    def feed(self, case, x, mean, var, leading_axes=0):
        x_np = TYPES[case.dtype][1]
        p_np = TYPES[PARAM_TYPES.get(case.dtype, case.dtype)][1]
        c = case.channels
        scale = case.inputs.get("weight", np.ones(c))  # affine = 0: gamma 1, beta 0
        bias = case.inputs.get("bias", np.zeros(c))
        return {"x": to_memory_order(x, case.layout, leading_axes).astype(x_np),
                "scale": np.asarray(scale, p_np), "bias": np.asarray(bias, p_np),
                "mean": np.asarray(mean, p_np), "var": np.asarray(var, p_np)}

    def y(self, case, x, r):
        return to_logical_order(r.astype(np.float64), case.layout)

    # -- one step -------------------------------------------------------------------------------

    def train_step(self, case, x, mean, var):
        """y, the batch statistics and the updated running statistics of one training step."""
        momentum = case.momentum if case.tracked else 0.9  # untracked: running outputs unused
        y, new_mean, new_var = self.session(
            case, 15, ("y", "running_mean", "running_var"), True, momentum, x.ndim).run(
            None, self.feed(case, x, mean, var))
        zeros = np.zeros(case.channels)
        _, b_mean, b_var, _, saved_var = self.session(
            case, 9, ("y", "batch_mean", "batch_var", "saved_mean", "saved_var"), True, 0.0,
            x.ndim).run(None, self.feed(case, x, zeros, zeros))
        out = {"y": self.y(case, x, y), "batch_mean": b_mean, "batch_var": b_var,
               "saved_invstd": saved_var}
        if case.tracked:
            out.update(running_mean=new_mean, running_var=new_var)
        return out

    def eval_y(self, case, x, mean, var):
        outputs = ("y",)
        if not case.tracked:  # batch statistics: training mode, whose shape inference
            mean, var = np.zeros(case.channels), np.ones(case.channels)  # wants 3 outputs
            outputs = ("y", "running_mean", "running_var")
        session = self.session(case, 15, outputs, not case.tracked, 0.9, x.ndim)
        return self.y(case, x, session.run(None, self.feed(case, x, mean, var))[0])

    # -- operations -----------------------------------------------------------------------------

    def check_expressible(self, case):
        if case.operation in ("backward_train", "backward_eval", "pipeline") or (
                case.operation == "error" and case.call.startswith("backward")):
            raise Unsupported("ONNX Runtime (inference build) has no BatchNormalization gradient")
        if case.dtype not in TYPES:
            raise Unsupported(f"{case.dtype}: numpy cannot feed it to ONNX Runtime")
        if is_training(case) and case.values_per_channel == 1 and case.estimator == "unbiased":
            raise Unsupported("ONNX has no unbiased estimator; the case's M = 1 rejection "
                              "comes from it")
        if case.operation == "error":
            if case.rank > 5:
                raise Unsupported("ONNX BatchNormalization is defined for any rank >= 2 "
                                  "(N x C x D1 x ... x Dn); the 2..5 limit is PyTorch's")
            return
        require_running_update(case, "ONNX", ("weights_running",), "population")
        if is_training(case) and case.eps == 0:
            raise Unsupported("ONNX has no zero rule: with eps = 0 the spec's "
                              "(x - mean)/sqrt(var + eps) is NaN on a constant channel")
        if case.dtype == "f64":
            if not float32_exact(case.eps):
                raise Unsupported(f"ONNX's epsilon attribute is float32; eps {case.eps!r} "
                                  "is not exact in float32 (f64 case)")
            if updates_running_stats(case) and not float32_exact(case.momentum):
                raise Unsupported(f"ONNX's momentum attribute is float32; {case.momentum!r} "
                                  "is not exact in float32 (f64 case)")

    def run(self, case):
        self.check_expressible(case)
        return getattr(self, "run_" + case.operation)(case)

    def running(self, case):
        if case.tracked:
            return case.inputs["running_mean"], case.inputs["running_var"]
        return np.zeros(case.channels), np.ones(case.channels)

    def run_forward_train(self, case):
        out = self.train_step(case, case.inputs["x"], *self.running(case))
        if case.tracked:
            out["num_batches_tracked"] = float(case.inputs["num_batches_tracked"]) + 1
            out["__message__"] = "num_batches_tracked counted by the producer (ONNX has none)"
        return out

    def run_forward_eval(self, case):
        return {"y": self.eval_y(case, case.inputs["x"], *self.running(case))}

    def run_sequence(self, case):
        mean, var = self.running(case)
        count = float(case.inputs["num_batches_tracked"]) if case.tracked else 0.0
        steps = []
        for k in range(case.steps):
            step = self.train_step(case, case.inputs["x"][k], mean, var)
            if case.tracked:
                mean, var = step["running_mean"], step["running_var"]
                count += 1
                step["num_batches_tracked"] = count
            steps.append(step)
        out = {name: np.stack([s[name] for s in steps]) for name in steps[0]}
        out["y_eval"] = self.eval_y(case, case.inputs["x_eval"], mean, var)
        return out

    def run_error(self, case):
        """The invalid inputs as given (a missing dataset is a missing model input, which the
        model then cannot be built without); an out-of-range momentum is out of range in
        either convention (m outside [0, 1] iff 1 - m is), so it is passed as is."""
        x = case.inputs["x"]
        c = x.shape[1] if x.ndim >= 2 else 0
        mean = case.inputs.get("running_mean")
        var = case.inputs.get("running_var")
        training = case.call == "forward_train" or not case.tracked
        omit = mean is None or var is None
        if omit and not case.tracked:  # untracked: ONNX needs some statistics as inputs
            mean, var, omit = np.zeros(c), np.ones(c), False
        momentum = case.momentum if case.momentum is not None else 0.9
        outputs = ("y", "running_mean", "running_var") if training else ("y",)
        session = self.session(case, 15, outputs, training, momentum, x.ndim, omit)
        feed = self.feed(case, x, np.zeros(c) if omit else mean, np.ones(c) if omit else var)
        if omit:
            del feed["mean"], feed["var"]
        session.run(None, feed)
        return {}


if __name__ == "__main__":
    sys.exit(main(OnnxRunner, "Run ONNX Runtime BatchNormalization on the bnconf fixtures."))
