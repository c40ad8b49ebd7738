"""A runner for frameworks whose BatchNorm is a layer with a feature axis (Flax, Keras, TF's
ops): the case logic (which entry point, running state, sequences, the counter, the errors tier)
lives here once; a subclass only calls its framework.

The subclass implements two hooks, both on arrays in the case's memory order (channels_last:
(N, spatial..., C), the feature axis last; channels_first: (N, C, spatial...), the feature axis
1; `feature_axis(case)` says which), given as float64 numpy arrays holding values exact in the
case's dtype, and returns numpy arrays (any float dtype) in the same memory order:

    forward(case, x, params, state, training) -> (y, new_state, stats)
        params: {"weight": (C,), "bias": (C,)} or None (affine = 0)
        state: (running_mean, running_var) or None (untracked, or not given in an error case);
            for a framework that keeps the counter (counts_batches), (mean, var, count)
        training: normalise with batch statistics (and update state, if given)
        new_state: the updated state when training with a state, else None
        stats: whichever of batch_mean, batch_var, saved_invstd the framework exposes
    gradients(case, x, dy, params, state, training) -> (dx, dweight, dbias)
        gradients of sum(y * dy) by the framework's autodiff; dweight/dbias None without affine

Class attributes declare the framework's semantics; a case that needs other semantics where
they are observable is `unsupported` (bnconf.producer.require_running_update)."""
import numpy as np

from bnconf.fixtures import to_logical_order, to_memory_order
from bnconf.producer import (Unsupported, is_training, require_any_rank_error,
                             require_population_estimator, require_running_update,
                             updates_running_stats)


class LayerRunner:
    framework = "?"  # name used in messages
    conventions = ("weights_running",)  # momentum conventions the framework implements
    estimator = "population"  # its running-variance estimator
    cumulative = False  # whether it implements momentum=None (cumulative average)
    counts_batches = False  # whether it keeps num_batches_tracked (else the producer counts)
    zero_rule = False  # whether invstd = 0 when var + eps = 0 (else eps = 0 is not expressible)
    running_stats = True  # whether the framework updates running statistics at all
    dtypes = ("f64", "f32", "f16", "bf16")
    # the case operations it implements (an error case also needs the entry point it calls)
    operations = ("forward_train", "forward_eval", "backward_train", "backward_eval",
                  "sequence", "pipeline", "error")
    layouts = ("channels_first", "channels_last")
    omitted_outputs = {}

    # -- what the framework can express ---------------------------------------------------------

    def check_expressible(self, case):
        if case.dtype not in self.dtypes:
            raise Unsupported(self.dtype_reason(case.dtype))
        for operation in (case.operation, case.call if case.operation == "error" else None):
            if operation and operation not in self.operations:
                raise Unsupported(f"{self.framework} does not implement {operation} here")
        if case.layout not in self.layouts:
            raise Unsupported(f"{self.framework} does not take {case.layout} input here")
        require_any_rank_error(case, self.framework)
        if self.estimator != "unbiased":  # M = 1 is valid for its estimator
            require_population_estimator(case, self.framework)
        if case.operation == "error":
            if not self.running_stats:
                self.require_running_stats_error(case)
            return
        if not self.running_stats and updates_running_stats(case):
            raise Unsupported(f"{self.framework} keeps no running statistics")
        require_running_update(case, self.framework, self.conventions, self.estimator,
                               self.cumulative)
        if is_training(case) and case.eps == 0 and not self.zero_rule:
            raise Unsupported(f"{self.framework} has no zero rule: with eps = 0, "
                              "(x - mean) * rsqrt(var + eps) is 0 * inf = NaN on a constant "
                              "channel, where the reference defines invstd = 0")

    def require_running_stats_error(self, case):
        """Without running statistics, a training call has no momentum and takes no running
        statistics: error cases about them cannot be handed to the framework."""
        if case.call not in ("forward_train", "backward_train") and case.tracked:
            return
        c = case.channels
        bad_running = any(len(case.inputs[k]) != c for k in ("running_mean", "running_var")
                          if k in case.inputs)
        if case.expected_error == "bad_momentum" or bad_running:
            raise Unsupported(f"{self.framework} keeps no running statistics: a training call "
                              "takes neither a momentum nor running statistics")

    def dtype_reason(self, dtype):
        return f"{self.framework} does not run {dtype} here"

    @staticmethod
    def feature_axis(case):
        return -1 if case.layout == "channels_last" and case.rank >= 3 else 1

    # -- helpers --------------------------------------------------------------------------------

    @staticmethod
    def params(case):
        if not case.affine:
            return None
        return {"weight": case.inputs["weight"], "bias": case.inputs["bias"]}

    def state(self, case):
        if not case.tracked or "running_mean" not in case.inputs:
            return None
        state = case.inputs["running_mean"], case.inputs["running_var"]
        if self.counts_batches:
            state += (int(case.inputs["num_batches_tracked"]),)
        return state

    @staticmethod
    def f64(a):
        return np.asarray(a, dtype=np.float64)

    def logical(self, case, y):
        return to_logical_order(self.f64(y), case.layout)

    # -- operations -----------------------------------------------------------------------------

    def run(self, case):
        self.check_expressible(case)
        return getattr(self, "op_" + case.operation)(case)

    def train_step(self, case, x, state, count):
        """One forward_train on logical x: outputs and the state after it."""
        y, new_state, stats = self.forward(case, to_memory_order(x, case.layout),
                                           self.params(case), state, True)
        out = {"y": self.logical(case, y)}
        out.update({k: self.f64(v) for k, v in stats.items()})
        if case.tracked:
            out["running_mean"], out["running_var"] = map(self.f64, new_state[:2])
            # the framework's own counter when it keeps one, else the producer's count
            out["num_batches_tracked"] = float(new_state[2] if self.counts_batches
                                               else count + 1)
        return out, new_state

    def counter_note(self, case):
        if case.tracked and not self.counts_batches:
            return f"num_batches_tracked counted by the producer ({self.framework} has none)"
        return ""

    def op_forward_train(self, case):
        count = int(case.inputs["num_batches_tracked"]) if case.tracked else 0
        out, _ = self.train_step(case, case.inputs["x"], self.state(case), count)
        out["__message__"] = self.counter_note(case)
        return out

    def eval_y(self, case, x, state):
        """forward_eval: the running statistics if tracked, else the batch statistics."""
        y, _, _ = self.forward(case, to_memory_order(x, case.layout), self.params(case),
                               state if case.tracked else None, not case.tracked)
        return self.logical(case, y)

    def op_forward_eval(self, case):
        return {"y": self.eval_y(case, case.inputs["x"], self.state(case))}

    def backward(self, case, training):
        dx, dweight, dbias = self.gradients(
            case, to_memory_order(case.inputs["x"], case.layout),
            to_memory_order(case.inputs["dy"], case.layout), self.params(case),
            None if training else self.state(case), training)
        out = {"dx": self.logical(case, dx)}
        if case.affine:
            out["dweight"], out["dbias"] = self.f64(dweight), self.f64(dbias)
        return out

    def op_backward_train(self, case):
        return self.backward(case, True)

    def op_backward_eval(self, case):
        return self.backward(case, not case.tracked)

    def op_sequence(self, case):
        state = self.state(case)
        count = int(case.inputs["num_batches_tracked"]) if case.tracked else 0
        steps = []
        for k in range(case.steps):
            step, state = self.train_step(case, case.inputs["x"][k], state, count)
            count += 1
            steps.append(step)
        out = {name: np.stack([s[name] for s in steps]) for name in steps[0]}
        out["y_eval"] = self.eval_y(case, case.inputs["x_eval"], state)
        out["__message__"] = self.counter_note(case)
        return out

    def op_pipeline(self, case):
        raise Unsupported(f"the pipeline (BatchNorm, Linear, cross-entropy, SGD) is not written "
                          f"for {self.framework} in this producer")

    def op_error(self, case):
        """The invalid inputs as a user would hand them: the entry point named by `call`, with
        exactly the tensors present and the attributes as given; the framework's exception, if
        any, is the rejection."""
        x = to_memory_order(case.inputs["x"], case.layout)
        params = None
        if "weight" in case.inputs or "bias" in case.inputs:
            params = {"weight": case.inputs.get("weight"), "bias": case.inputs.get("bias")}
        state = None
        if "running_mean" in case.inputs:
            state = case.inputs["running_mean"], case.inputs["running_var"]
            if self.counts_batches and "num_batches_tracked" in case.inputs:
                state += (int(case.inputs["num_batches_tracked"]),)
        training = case.call in ("forward_train", "backward_train") or not case.tracked
        if case.call.startswith("forward"):
            self.forward(case, x, params, state, training)
        else:
            self.gradients(case, x, to_memory_order(case.inputs["dy"], case.layout), params,
                           None if training else state, training)
        return {}
