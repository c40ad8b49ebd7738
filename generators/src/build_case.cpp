#include "bnconf/generators/build_case.hpp"

#include <cmath>
#include <limits>

#include "bnconf/cases/driver.hpp"
#include "bnconf/cases/reference_engine.hpp"
#include "bnconf/cases/tensor_arrays.hpp"
#include "bnconf/generators/seed_pipeline_data.hpp"
#include "recipes.hpp"

namespace bnconf::generators {
namespace {

using cases::Array;
using cases::Operation;
using cases::to_array;
using json = nlohmann::ordered_json;
namespace ref = bnconf::reference;

json recipe(const CatalogueEntry& entry, const char* name) {
  return entry.data.value(name, json::object());
}

std::uint64_t seed_of(const cases::CaseSpec& spec) { return static_cast<std::uint64_t>(spec.seed); }

std::size_t channels_of(const cases::CaseSpec& spec) {
  return spec.shape.size() > 1 ? spec.shape[1] : 0;
}

ref::Tensor draw_activation(const CatalogueEntry& entry, const char* recipe_name,
                            const std::vector<std::size_t>& shape, std::uint64_t stream) {
  const auto& spec = entry.spec;
  return draw_tensor(recipe(entry, recipe_name), shape, spec.layout, spec.dtype, seed_of(spec),
                     stream);
}

void store_params(std::map<std::string, Array>& arrays, const ref::AffineParams& params) {
  arrays["weight"] = to_array(params.weight);
  arrays["bias"] = to_array(params.bias);
}

void store_running(std::map<std::string, Array>& arrays, const ref::RunningStats& running) {
  arrays["running_mean"] = to_array(running.mean);
  arrays["running_var"] = to_array(running.var);
  arrays["num_batches_tracked"] = Array::scalar(static_cast<double>(running.num_batches_tracked));
}

// The x of a sequence: one fresh batch per step, stacked along a leading axis.
Array stacked_steps(const CatalogueEntry& entry) {
  const auto& spec = entry.spec;
  const auto steps = static_cast<std::size_t>(spec.steps);
  std::vector<std::size_t> stacked{steps};
  stacked.insert(stacked.end(), spec.shape.begin(), spec.shape.end());
  Array xs{stacked, {}};
  for (std::size_t k = 0; k < steps; ++k) {
    const Array x = to_array(
        draw_activation(entry, "x", spec.shape, static_cast<std::uint64_t>(TensorId::step_x) + k));
    xs.values.insert(xs.values.end(), x.values.begin(), x.values.end());
  }
  return xs;
}

// Every input the case's operation can take, drawn by the entry's recipes (each tensor from its
// own stream, so drawing one never changes another).
std::map<std::string, Array> drawn_inputs(const CatalogueEntry& entry) {
  const auto& spec = entry.spec;
  const auto& row = cases::row_of(spec.operation);
  std::map<std::string, Array> drawn;
  for (const auto& use : row.inputs) {
    const std::string name(use.name);
    if (name == "x") {
      drawn["x"] = spec.operation == Operation::sequence
                       ? stacked_steps(entry)
                       : to_array(draw_activation(entry, "x", spec.shape,
                                                  static_cast<std::uint64_t>(TensorId::x)));
    } else if (name == "dy") {
      drawn["dy"] = to_array(
          draw_activation(entry, "dy", spec.shape, static_cast<std::uint64_t>(TensorId::dy)));
    } else if (name == "x_eval") {
      drawn["x_eval"] = to_array(
          draw_activation(entry, "x", spec.shape, static_cast<std::uint64_t>(TensorId::x_eval)));
    }
  }
  if (spec.spec.affine) {
    store_params(
        drawn, draw_params(recipe(entry, "params"), channels_of(spec), spec.dtype, seed_of(spec)));
  }
  if (spec.spec.track_running_stats) {
    store_running(drawn, draw_running(recipe(entry, "running"), channels_of(spec), spec.dtype,
                                      seed_of(spec)));
  }
  return drawn;
}

// The inputs the operation table lists for the case, from those drawn.
std::map<std::string, Array> table_inputs(const CatalogueEntry& entry) {
  std::map<std::string, Array> drawn = drawn_inputs(entry);
  std::map<std::string, Array> inputs;
  for (const auto& name : cases::required_inputs(entry.spec)) inputs[name] = drawn.at(name);
  return inputs;
}

std::map<std::string, Array> pipeline_inputs(const cases::CaseSpec& spec) {
  const std::vector<std::size_t> defined{cases::kPipelineRows, cases::kPipelineFeatures};
  if (spec.shape != defined) {
    throw std::runtime_error("the seed pipeline is defined for shape [1000, 10]");
  }
  const cases::PipelineData data = make_seed_pipeline_data(seed_of(spec), spec.dtype);
  return {
      {"x", data.x},
      {"labels", Array::vector(std::vector<double>(data.labels.begin(), data.labels.end()))},
      {"weight", Array::vector(data.batch_norm.weight)},
      {"bias", Array::vector(data.batch_norm.bias)},
      {"running_mean", Array::vector(data.running.mean)},
      {"running_var", Array::vector(data.running.var)},
      {"num_batches_tracked", Array::scalar(static_cast<double>(data.running.num_batches_tracked))},
      {"linear_weight",
       Array{{cases::kPipelineClasses, cases::kPipelineFeatures}, data.linear_weight}},
      {"linear_bias", Array::vector(data.linear_bias)}};
}

// Valid inputs with the entry's "mutate" object applied: the deliberate defect of an error case.
std::map<std::string, Array> error_inputs(const CatalogueEntry& entry) {
  const auto& spec = entry.spec;
  const json& mutate = entry.mutate;
  const auto call = cases::entry_of(spec.call);
  const bool with_dy = call == cases::Entry::backward_train || call == cases::Entry::backward_eval;
  std::map<std::string, Array> in;
  // Rank errors cannot draw a valid tensor of channels; x is drawn as given.
  in["x"] =
      to_array(draw_activation(entry, "x", spec.shape, static_cast<std::uint64_t>(TensorId::x)));
  if (with_dy) {
    const auto dy_shape = mutate.contains("dy_shape")
                              ? mutate["dy_shape"].get<std::vector<std::size_t>>()
                              : spec.shape;
    // A reshaped dy is drawn with the default recipe.
    in["dy"] = to_array(draw_tensor(
        mutate.contains("dy_shape") ? json::object() : recipe(entry, "dy"), dy_shape, spec.layout,
        spec.dtype, seed_of(spec), static_cast<std::uint64_t>(TensorId::dy)));
  }
  const std::size_t channels = channels_of(spec);
  // A resized vector keeps its first values and pads with 1 (weight and bias also when the case
  // is not affine: a parameter given where none is due).
  auto resize = [&](const char* name, const char* key) {
    if (!mutate.contains(key)) return;
    Array& a = in[name];
    const auto n = mutate[key].get<std::size_t>();
    std::vector<double> values(n, 1.0);
    for (std::size_t i = 0; i < n && i < a.values.size(); ++i) values[i] = a.values[i];
    a = Array::vector(values);
  };
  if (spec.spec.affine) {
    store_params(in, draw_params(recipe(entry, "params"), channels, spec.dtype, seed_of(spec)));
  }
  resize("weight", "weight_size");
  resize("bias", "bias_size");
  if (spec.spec.track_running_stats) {
    store_running(in, draw_running(recipe(entry, "running"), channels, spec.dtype, seed_of(spec)));
    resize("running_mean", "running_mean_size");
    resize("running_var", "running_var_size");
  }
  if (mutate.value("drop_running", false)) {
    for (const char* name : {"running_mean", "running_var", "num_batches_tracked"}) in.erase(name);
  }
  if (mutate.contains("running_when_untracked")) {
    store_running(in, ref::default_running_stats(channels));
  }
  // An empty parameter vector is an absent parameter.
  for (const char* name : {"weight", "bias"}) {
    if (in.count(name) && in[name].values.empty()) in.erase(name);
  }
  return in;
}

// One bit pattern for every NaN (the positive quiet NaN), so that stored bytes and checksums do
// not depend on which NaN a platform's arithmetic produces (x86 yields a negative one).
void canonicalise_nans(std::map<std::string, Array>& arrays) {
  for (auto& [name, array] : arrays) {
    for (double& v : array.values) {
      if (std::isnan(v)) v = std::numeric_limits<double>::quiet_NaN();
    }
  }
}

// The expected outputs: the case run on the reference; an error case must be rejected with its
// expected error kind.
void compute_expected(cases::Case& c) {
  cases::ReferenceEngine reference;
  const cases::Execution e = cases::run_case(c, reference);
  if (!e.internal_error.empty()) throw std::runtime_error(e.internal_error);
  if (c.spec.operation == Operation::error) {
    if (e.error_kind != c.spec.expected_error) {
      throw std::runtime_error(
          "the reference " +
          (e.error_kind ? "raises " + std::string(ref::to_string(*e.error_kind))
                        : std::string("accepts the input")) +
          " but the catalogue expects " + std::string(ref::to_string(*c.spec.expected_error)));
    }
    return;
  }
  if (e.status != cases::CallStatus::ok) {
    throw std::runtime_error("the reference rejects the case: " + e.message);
  }
  c.expected = e.outputs;
}

}  // namespace

cases::Case build_case(const CatalogueEntry& entry) {
  cases::Case c;
  c.spec = entry.spec;
  try {
    switch (entry.spec.operation) {
      case Operation::pipeline:
        c.inputs = pipeline_inputs(entry.spec);
        break;
      case Operation::error:
        c.inputs = error_inputs(entry);
        break;
      default:
        c.inputs = table_inputs(entry);
        break;
    }
    compute_expected(c);
  } catch (const std::exception& e) {
    throw std::runtime_error("case " + entry.spec.id + ": " + e.what());
  }
  canonicalise_nans(c.inputs);
  canonicalise_nans(c.expected);
  return c;
}

}  // namespace bnconf::generators
