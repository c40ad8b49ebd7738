#!/usr/bin/env python3
"""OpenVINO producer: the BatchNormInference operation (opset5) in a one-node model compiled
for OpenVINO's CPU plugin with its default configuration.

BatchNormInference (OpenVINO's operation specification) normalises with given statistics:
y = (x - mean) / sqrt(variance + epsilon) * gamma + beta over axis 1 (channels first), every
input of one element type. So OpenVINO can express exactly the eval cases with running
statistics (forward_eval, tracked): training, untracked eval (batch statistics) and gradients
are unsupported; f16/bf16 cases are unsupported too (their weights and statistics are float32
in bnconf, and the operation wants one type). Channels-last cases are handed over in
(N, spatial..., C) memory with Transposes around the node, as an exported channels-last model
has. The CPU plugin's INFERENCE_PRECISION_HINT is left at its default and written into the
backend version. Error cases: those of an eval call (missing or mis-sized statistics) go to
OpenVINO as given; training-call ones are unsupported."""
import sys

from bnconf.fixtures import to_logical_order, to_memory_order
from bnconf.producer import Unsupported, main

import numpy as np
import openvino as ov
import openvino.opset15 as ops

TYPES = {"f64": (ov.Type.f64, np.float64), "f32": (ov.Type.f32, np.float32)}


class OpenVinoRunner:
    def __init__(self, args):
        self.core = ov.Core()
        hint = self.core.get_property("CPU", "INFERENCE_PRECISION_HINT").get_type_name()
        self.name = "openvino-cpu"
        release = ov.__version__.split("-")[0]  # 2026.4.1-<build>-<hash>-releases/...: the release
        self.version = f"{release} CPU plugin (INFERENCE_PRECISION_HINT {hint})"

    def check_expressible(self, case):
        if case.entry != "forward_eval" or not case.tracked:
            raise Unsupported("OpenVINO's BatchNormInference normalises with given running "
                              "statistics only: no training, batch statistics or gradients")
        if "running_mean" not in case.inputs or "running_var" not in case.inputs:
            raise Unsupported("BatchNormInference has five required inputs: the statistics "
                              "cannot be left out")
        if case.dtype not in TYPES:
            raise Unsupported(f"BatchNormInference takes every input in one element type; a "
                              f"{case.dtype} case keeps its weights and statistics in float32")

    def run(self, case):
        self.check_expressible(case)
        ov_type, np_type = TYPES[case.dtype]
        x = to_memory_order(case.inputs["x"], case.layout).astype(np_type)
        channels_last = case.layout == "channels_last" and x.ndim >= 3
        c = case.channels
        vectors = {"gamma": case.inputs.get("weight", np.ones(c)),
                   "beta": case.inputs.get("bias", np.zeros(c))}
        for name in ("running_mean", "running_var"):
            if name in case.inputs:
                vectors[name] = case.inputs[name]
        params = {"x": ops.parameter(list(x.shape), ov_type, name="x")}
        for name, value in vectors.items():
            params[name] = ops.parameter([len(value)], ov_type, name=name)
        node = params["x"]
        if channels_last:
            node = ops.transpose(node, ops.constant(
                np.array([0, x.ndim - 1] + list(range(1, x.ndim - 1)), np.int64)))
        node = ops.batch_norm_inference(node, params["gamma"], params["beta"],
                                        params["running_mean"], params["running_var"],
                                        case.eps)
        if channels_last:
            node = ops.transpose(node, ops.constant(
                np.array([0] + list(range(2, x.ndim)) + [1], np.int64)))
        model = ov.Model([node], list(params.values()), "bn")
        compiled = self.core.compile_model(model, "CPU")
        feed = [x] + [np.asarray(v, np_type) for v in vectors.values()]
        y = compiled(feed)[0]
        if case.operation == "error":
            return {}
        return {"y": to_logical_order(np.asarray(y, np.float64), case.layout)}


if __name__ == "__main__":
    sys.exit(main(OpenVinoRunner, "Run OpenVINO BatchNormInference on the bnconf fixtures.",
                  add_arguments=lambda parser: None))
