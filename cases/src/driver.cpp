// run_case and the drivers of the operation table's rows.
#include "bnconf/cases/driver.hpp"

#include <stdexcept>

#include "bnconf/cases/seed_pipeline.hpp"
#include "drivers.hpp"

namespace bnconf::cases {
namespace {

const Array& input(const Case& c, const std::string& name) {
  const auto found = c.inputs.find(name);
  if (found == c.inputs.end()) {
    throw std::invalid_argument("case " + c.spec.id + " has no input " + name);
  }
  return found->second;
}

std::vector<double> values_or_empty(const Case& c, const std::string& name) {
  const auto found = c.inputs.find(name);
  return found == c.inputs.end() ? std::vector<double>{} : found->second.values;
}

// Row k (leading axis) of a stacked array.
Array slice(const Array& stacked, std::size_t k) {
  Array row{{stacked.shape.begin() + 1, stacked.shape.end()}, {}};
  const std::size_t n = stacked.shape[0] ? stacked.values.size() / stacked.shape[0] : 0;
  row.values.assign(stacked.values.begin() + static_cast<std::ptrdiff_t>(k * n),
                    stacked.values.begin() + static_cast<std::ptrdiff_t>((k + 1) * n));
  return row;
}

// Appends one step's value to the stacked output `name` of shape (steps, value's shape...).
void append_step(Outputs& outputs, const std::string& name, const Array& value, std::size_t steps) {
  Array& stacked = outputs[name];
  if (stacked.shape.empty()) {
    stacked.shape = {steps};
    stacked.shape.insert(stacked.shape.end(), value.shape.begin(), value.shape.end());
  }
  stacked.values.insert(stacked.values.end(), value.values.begin(), value.values.end());
}

Array counter(std::int64_t value) { return Array::scalar(static_cast<double>(value)); }

void store_train_step(Outputs& o, const TrainOutputs& f) {
  o["y"] = f.y;
  o["batch_mean"] = Array::vector(f.batch_mean);
  o["batch_var"] = Array::vector(f.batch_var);
  o["saved_invstd"] = Array::vector(f.saved_invstd);
  if (f.running) {
    o["running_mean"] = Array::vector(f.running->mean);
    o["running_var"] = Array::vector(f.running->var);
    o["num_batches_tracked"] = counter(f.running->num_batches_tracked);
  }
}

void store_gradients(const Case& c, Outputs& o, const Gradients& g) {
  o["dx"] = g.dx;
  if (c.spec.spec.affine) {
    o["dweight"] = Array::vector(g.dweight);
    o["dbias"] = Array::vector(g.dbias);
  }
}

// Outputs of the groups the engine does not produce leave the execution: batch statistics
// silently (they are optional outputs), running statistics listed as not checked.
void drop_unproduced(const Case& c, const Engine& engine, Execution& e) {
  for (const auto& use : row_of(c.spec.operation).outputs) {
    if (use.group == OutputGroup::core || engine.produces(use.group) || !present(use, c.spec)) {
      continue;
    }
    e.outputs.erase(std::string(use.name));
    if (use.group == OutputGroup::running_statistics) {
      e.unchecked.emplace_back(use.name);
      e.unchecked_reason = "the backend keeps no running statistics";
    }
  }
}

}  // namespace

Affine affine_of(const Case& c) {
  return {values_or_empty(c, "weight"), values_or_empty(c, "bias")};
}

std::optional<Running> running_of(const Case& c) {
  if (!c.inputs.count("running_mean")) return std::nullopt;
  return Running{input(c, "running_mean").values, input(c, "running_var").values,
                 static_cast<std::int64_t>(input(c, "num_batches_tracked").values.at(0))};
}

void drive_forward_train(const Case& c, Engine& engine, Execution& e) {
  store_train_step(e.outputs,
                   engine.forward_train(c.spec, input(c, "x"), affine_of(c), running_of(c)));
}

void drive_forward_eval(const Case& c, Engine& engine, Execution& e) {
  e.outputs["y"] = engine.forward_eval(c.spec, input(c, "x"), affine_of(c), running_of(c));
}

void drive_backward_train(const Case& c, Engine& engine, Execution& e) {
  store_gradients(c, e.outputs,
                  engine.backward_train(c.spec, input(c, "x"), input(c, "dy"), affine_of(c)));
}

void drive_backward_eval(const Case& c, Engine& engine, Execution& e) {
  store_gradients(
      c, e.outputs,
      engine.backward_eval(c.spec, input(c, "x"), input(c, "dy"), affine_of(c), running_of(c)));
}

// K training steps on the rows of the stacked x, each starting from the running statistics the
// previous step returned, then eval on x_eval with the final ones.
void drive_sequence(const Case& c, Engine& engine, Execution& e) {
  const Affine affine = affine_of(c);
  std::optional<Running> running = running_of(c);
  const Array& xs = input(c, "x");
  const std::size_t steps = xs.shape.at(0);
  auto& o = e.outputs;
  for (std::size_t k = 0; k < steps; ++k) {
    const TrainOutputs f = engine.forward_train(c.spec, slice(xs, k), affine, running);
    append_step(o, "y", f.y, steps);
    append_step(o, "batch_mean", Array::vector(f.batch_mean), steps);
    append_step(o, "batch_var", Array::vector(f.batch_var), steps);
    append_step(o, "saved_invstd", Array::vector(f.saved_invstd), steps);
    if (f.running) {
      running = f.running;
      append_step(o, "running_mean", Array::vector(running->mean), steps);
      append_step(o, "running_var", Array::vector(running->var), steps);
      append_step(o, "num_batches_tracked", counter(running->num_batches_tracked), steps);
    }
  }
  o["y_eval"] = engine.forward_eval(c.spec, input(c, "x_eval"), affine, running);
}

void drive_pipeline(const Case& c, Engine& engine, Execution& e) {
  PipelineData data{input(c, "x"),
                    {},
                    affine_of(c),
                    *running_of(c),
                    input(c, "linear_weight").values,
                    input(c, "linear_bias").values};
  for (double label : input(c, "labels").values) data.labels.push_back(static_cast<int>(label));
  const PipelineTrace trace = train_seed_pipeline(c.spec, data, engine);
  auto& o = e.outputs;
  o["epoch_loss"] = Array::vector(trace.epoch_loss);
  o["epoch_accuracy"] = Array::vector(trace.epoch_accuracy);
  o["weight"] = Array::vector(trace.batch_norm.weight);
  o["bias"] = Array::vector(trace.batch_norm.bias);
  o["linear_weight"] = Array{input(c, "linear_weight").shape, trace.linear_weight};
  o["linear_bias"] = Array::vector(trace.linear_bias);
  o["running_mean"] = Array::vector(trace.running.mean);
  o["running_var"] = Array::vector(trace.running.var);
  o["num_batches_tracked"] = counter(trace.running.num_batches_tracked);
}

// The entry point `call` with the inputs as they are; an invalid case has no outputs to keep.
void drive_error(const Case& c, Engine& engine, Execution&) {
  const Affine affine = affine_of(c);
  const auto entry = entry_of(c.spec.call);
  if (!entry) throw std::invalid_argument("case " + c.spec.id + ": call is not an entry point");
  switch (*entry) {
    case Entry::forward_train:
      engine.forward_train(c.spec, input(c, "x"), affine, running_of(c));
      break;
    case Entry::forward_eval:
      engine.forward_eval(c.spec, input(c, "x"), affine, running_of(c));
      break;
    case Entry::backward_train:
      engine.backward_train(c.spec, input(c, "x"), input(c, "dy"), affine);
      break;
    case Entry::backward_eval:
      engine.backward_eval(c.spec, input(c, "x"), input(c, "dy"), affine, running_of(c));
      break;
  }
}

Execution run_case(const Case& c, Engine& engine) {
  Execution execution;
  try {
    row_of(c.spec.operation).drive(c, engine, execution);
    drop_unproduced(c, engine, execution);
  } catch (const CallFailed& failed) {
    execution.status = failed.status();
    execution.message = failed.what();
    execution.error_kind = failed.kind();
    execution.outputs.clear();
  } catch (const std::exception& e) {
    execution.internal_error = e.what();
    execution.outputs.clear();
  }
  return execution;
}

std::string_view to_string(CallStatus status) {
  constexpr std::string_view kNames[] = {"ok", "unsupported", "invalid_argument", "backend_error"};
  const auto index = static_cast<std::size_t>(status);
  return index < std::size(kNames) ? kNames[index] : "unknown";
}

}  // namespace bnconf::cases
