#include "bnconf/conformance/execute.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "bnconf/adapter.hpp"
#include "bnconf/formats/tensor_arrays.hpp"
#include "bnconf/generators/seed_pipeline.hpp"

namespace bnconf::conformance {
namespace {

namespace ref = bnconf::reference;
using formats::Array;
using formats::Operation;

// Bytes with guard regions on both sides. The payload starts as all-ones bytes, a NaN in every
// dtype, so an output the backend never writes shows up as NaN rather than as stale data.
class Buffer {
 public:
  static constexpr std::size_t kGuard = 64;
  static constexpr unsigned char kGuardByte = 0xA5;

  Buffer() : Buffer(0) {}
  explicit Buffer(std::size_t bytes) : bytes_(bytes), storage_(bytes + 2 * kGuard, kGuardByte) {
    std::fill(storage_.begin() + kGuard,
              storage_.begin() + static_cast<std::ptrdiff_t>(kGuard + bytes), 0xFF);
  }
  void* data() { return storage_.data() + kGuard; }
  const void* data() const { return storage_.data() + kGuard; }
  std::size_t bytes() const { return bytes_; }

  // "" when both guards are intact, else what was overwritten.
  std::string guard_damage() const {
    std::size_t before = 0, after = 0;
    for (std::size_t i = 0; i < kGuard; ++i) {
      before += storage_[i] != kGuardByte;
      after += storage_[kGuard + bytes_ + i] != kGuardByte;
    }
    if (before + after == 0) return "";
    return std::to_string(after) + " byte(s) past the end and " + std::to_string(before) +
           " byte(s) before the start";
  }

 private:
  std::size_t bytes_;
  std::vector<unsigned char> storage_;
};

std::size_t dtype_size(random::Dtype dtype) {
  switch (dtype) {
    case random::Dtype::f64:
      return 8;
    case random::Dtype::f32:
      return 4;
    default:
      return 2;
  }
}

bnconf_dtype abi_dtype(random::Dtype dtype) {
  return static_cast<bnconf_dtype>(static_cast<int>(dtype));
}

// An activation tensor in the case's dtype and layout.
struct Activation {
  Buffer buffer;
  bnconf_tensor view{};
};

Activation encode_activation(const Array& array, ref::Layout layout, random::Dtype dtype) {
  Activation a;
  const ref::Tensor tensor = formats::to_tensor(array, layout);  // storage order in .data()
  a.buffer = Buffer(tensor.size() * dtype_size(dtype));
  const std::vector<double> storage(tensor.data(), tensor.data() + tensor.size());
  adapter::store_from_double(storage, abi_dtype(dtype), a.buffer.data());
  a.view.data = a.buffer.data();
  a.view.rank = static_cast<std::int32_t>(array.shape.size());
  for (std::size_t i = 0; i < array.shape.size() && i < BNCONF_MAX_RANK; ++i) {
    a.view.shape[i] = static_cast<std::int64_t>(array.shape[i]);
  }
  a.view.layout =
      layout == ref::Layout::channels_last ? BNCONF_CHANNELS_LAST : BNCONF_CHANNELS_FIRST;
  a.view.dtype = abi_dtype(dtype);
  return a;
}

// An output activation shaped like `like`.
Activation output_activation(const bnconf_tensor& like) {
  Activation a;
  a.view = like;
  a.buffer =
      Buffer(adapter::element_count(like) * dtype_size(static_cast<random::Dtype>(like.dtype)));
  a.view.data = a.buffer.data();
  return a;
}

Array decode_activation(const Activation& a) {
  const std::vector<double> storage = adapter::load_as_double(a.view);
  std::vector<std::size_t> shape(a.view.shape, a.view.shape + a.view.rank);
  ref::Tensor tensor =
      ref::make_tensor(shape, a.view.layout == BNCONF_CHANNELS_LAST ? ref::Layout::channels_last
                                                                    : ref::Layout::channels_first);
  std::copy(storage.begin(), storage.end(), tensor.data());
  return formats::to_array(tensor);
}

struct Vector {
  Buffer buffer;
  std::size_t length = 0;
  bnconf_vector in() const {
    return {length ? static_cast<const double*>(buffer.data()) : nullptr,
            static_cast<std::int64_t>(length)};
  }
  bnconf_vector_out out() {
    return {length ? static_cast<double*>(buffer.data()) : nullptr,
            static_cast<std::int64_t>(length)};
  }
  Array array() const {
    const auto* d = static_cast<const double*>(buffer.data());
    return Array::vector(std::vector<double>(d, d + length));
  }
};

Vector vector_of(const std::vector<double>& values) {
  Vector v;
  v.length = values.size();
  v.buffer = Buffer(values.size() * sizeof(double));
  if (!values.empty()) std::memcpy(v.buffer.data(), values.data(), values.size() * sizeof(double));
  return v;
}

Vector empty_vector(std::size_t length) {
  Vector v;
  v.length = length;
  v.buffer = Buffer(length * sizeof(double));
  return v;
}

// Snapshot of an input's bytes, compared after the call.
struct InputWatch {
  std::string name;
  const Buffer* buffer;
  std::vector<unsigned char> copy;
};

class CallRecorder {
 public:
  explicit CallRecorder(Execution& execution) : execution_(execution) {}
  void watch_input(const std::string& name, const Buffer& buffer) {
    const auto* bytes = static_cast<const unsigned char*>(buffer.data());
    inputs_.push_back({name, &buffer, std::vector<unsigned char>(bytes, bytes + buffer.bytes())});
  }
  void watch_output(const std::string& name, const Buffer& buffer) {
    outputs_.emplace_back(name, &buffer);
  }
  void finish(bnconf_status status, const char* message) {
    for (const auto& w : inputs_) {
      // (memcmp's pointers must be valid even for size 0.)
      if (!w.copy.empty() && std::memcmp(w.buffer->data(), w.copy.data(), w.copy.size()) != 0) {
        execution_.violations.push_back("modified input " + w.name);
      }
    }
    for (const auto& [name, buffer] : outputs_) {
      const std::string damage = buffer->guard_damage();
      if (!damage.empty())
        execution_.violations.push_back("wrote " + damage + " of output " + name);
    }
    switch (status) {
      case BNCONF_OK:
        break;
      case BNCONF_UNSUPPORTED:
        execution_.status = CallStatus::unsupported;
        break;
      case BNCONF_INVALID_ARGUMENT:
        execution_.status = CallStatus::invalid_argument;
        break;
      default:
        execution_.status = CallStatus::backend_error;
        break;
    }
    if (status != BNCONF_OK) execution_.message = message;
  }

 private:
  Execution& execution_;
  std::vector<InputWatch> inputs_;
  std::vector<std::pair<std::string, const Buffer*>> outputs_;
};

bnconf_params params_of(const formats::CaseSpec& spec) {
  bnconf_params p{};
  p.struct_size = sizeof(bnconf_params);
  p.eps = spec.spec.eps;
  p.momentum = spec.spec.momentum.value_or(0.0);
  p.momentum_none = spec.spec.momentum ? 0 : 1;
  p.momentum_convention = static_cast<std::int32_t>(spec.spec.momentum_convention);
  p.var_estimator = static_cast<std::int32_t>(spec.spec.running_var_estimator);
  p.affine = spec.spec.affine;
  p.track_running_stats = spec.spec.track_running_stats;
  return p;
}

std::vector<double> values_or_empty(const formats::Case& c, const char* name) {
  const auto found = c.inputs.find(name);
  return found == c.inputs.end() ? std::vector<double>{} : found->second.values;
}

// The per-call state of one backend invocation with the case's inputs.
struct Call {
  char message[1024] = {0};
  bnconf_message msg() { return {message, sizeof message}; }
};

// Running statistics as call inputs: their buffers and the ABI view of them (nullptr when the
// case does not track them).
struct RunningInput {
  Vector mean, var;
  bnconf_running abi{};
  bool present = false;
  const bnconf_running* pointer() const { return present ? &abi : nullptr; }
  void watch(class CallRecorder& recorder) const;
};

RunningInput running_input(const std::optional<ref::RunningStats>& running) {
  RunningInput in;
  if (!running) return in;
  in.present = true;
  in.mean = vector_of(std::vector<double>(running->mean.begin(), running->mean.end()));
  in.var = vector_of(std::vector<double>(running->var.begin(), running->var.end()));
  in.abi = {in.mean.in(), in.var.in(), running->num_batches_tracked};
  return in;
}

void RunningInput::watch(CallRecorder& recorder) const {
  recorder.watch_input("running_mean", mean.buffer);
  recorder.watch_input("running_var", var.buffer);
}

// One forward_train call; returns outputs and the running statistics it produced.
struct ForwardTrainOutputs {
  Array y, batch_mean, batch_var, saved_invstd;
  std::optional<Array> running_mean, running_var;
  double num_batches_tracked = 0;
};

bool supports(const Backend& backend, std::uint32_t feature) {
  return (backend.capabilities().features & feature) != 0;
}

// A table entry the backend left NULL: the case is unsupported, never a call through NULL.
bool missing_function(const void* function, const char* name, Execution& execution) {
  if (function) return false;
  execution.status = CallStatus::unsupported;
  execution.message = std::string("the backend has no ") + name + " function";
  return true;
}

ForwardTrainOutputs call_forward_train(const Backend& backend, const formats::CaseSpec& spec,
                                       const Array& x_array, const std::vector<double>& weight,
                                       const std::vector<double>& bias,
                                       const std::optional<ref::RunningStats>& running,
                                       Execution& execution) {
  if (missing_function(reinterpret_cast<const void*>(backend.table().forward_train),
                       "forward_train", execution)) {
    return {};
  }
  const bnconf_params params = params_of(spec);
  Activation x = encode_activation(x_array, spec.layout, spec.dtype);
  Vector w = vector_of(weight), b = vector_of(bias);
  const std::size_t channels = adapter::channel_count(x.view);
  const RunningInput running_in = running_input(running);
  Activation y = output_activation(x.view);
  Vector mean = empty_vector(channels), var = empty_vector(channels),
         invstd = empty_vector(channels);
  Vector rm_out = empty_vector(running ? channels : 0),
         rv_out = empty_vector(running ? channels : 0);
  bnconf_running_out running_out{rm_out.out(), rv_out.out(),
                                 running ? running->num_batches_tracked : 0};
  CallRecorder recorder(execution);
  recorder.watch_input("x", x.buffer);
  recorder.watch_input("weight", w.buffer);
  recorder.watch_input("bias", b.buffer);
  running_in.watch(recorder);
  recorder.watch_output("y", y.buffer);
  recorder.watch_output("batch_mean", mean.buffer);
  recorder.watch_output("batch_var", var.buffer);
  recorder.watch_output("saved_invstd", invstd.buffer);
  recorder.watch_output("running_mean", rm_out.buffer);
  recorder.watch_output("running_var", rv_out.buffer);
  Call call;
  const bnconf_status status = backend.table().forward_train(
      &params, &x.view, w.in(), b.in(), running_in.pointer(), {y.buffer.data()}, mean.out(),
      var.out(), invstd.out(), running ? &running_out : nullptr, call.msg());
  recorder.finish(status, call.message);
  ForwardTrainOutputs out;
  if (status != BNCONF_OK) return out;
  out.y = decode_activation(y);
  out.batch_mean = mean.array();
  out.batch_var = var.array();
  out.saved_invstd = invstd.array();
  if (running) {
    out.running_mean = rm_out.array();
    out.running_var = rv_out.array();
    out.num_batches_tracked = static_cast<double>(running_out.num_batches_tracked);
  }
  return out;
}

Array call_forward_eval(const Backend& backend, const formats::CaseSpec& spec, const Array& x_array,
                        const std::vector<double>& weight, const std::vector<double>& bias,
                        const std::optional<ref::RunningStats>& running, Execution& execution) {
  if (missing_function(reinterpret_cast<const void*>(backend.table().forward_eval), "forward_eval",
                       execution)) {
    return {};
  }
  const bnconf_params params = params_of(spec);
  Activation x = encode_activation(x_array, spec.layout, spec.dtype);
  Vector w = vector_of(weight), b = vector_of(bias);
  const RunningInput running_in = running_input(running);
  Activation y = output_activation(x.view);
  CallRecorder recorder(execution);
  recorder.watch_input("x", x.buffer);
  recorder.watch_input("weight", w.buffer);
  recorder.watch_input("bias", b.buffer);
  running_in.watch(recorder);
  recorder.watch_output("y", y.buffer);
  Call call;
  const bnconf_status status = backend.table().forward_eval(
      &params, &x.view, w.in(), b.in(), running_in.pointer(), {y.buffer.data()}, call.msg());
  recorder.finish(status, call.message);
  return status == BNCONF_OK ? decode_activation(y) : Array{};
}

struct Gradients {
  Array dx, dweight, dbias;
};

Gradients call_backward(const Backend& backend, const formats::CaseSpec& spec, bool train,
                        const Array& x_array, const Array& dy_array,
                        const std::vector<double>& weight,
                        const std::optional<ref::RunningStats>& running, Execution& execution) {
  const void* function = train ? reinterpret_cast<const void*>(backend.table().backward_train)
                               : reinterpret_cast<const void*>(backend.table().backward_eval);
  if (missing_function(function, train ? "backward_train" : "backward_eval", execution)) return {};
  const bnconf_params params = params_of(spec);
  Activation x = encode_activation(x_array, spec.layout, spec.dtype);
  Activation dy = encode_activation(dy_array, spec.layout, spec.dtype);
  Vector w = vector_of(weight);
  const RunningInput running_in = running_input(running);
  const std::size_t channels = adapter::channel_count(x.view);
  Activation dx = output_activation(x.view);
  Vector dw = empty_vector(spec.spec.affine ? channels : 0),
         db = empty_vector(spec.spec.affine ? channels : 0);
  CallRecorder recorder(execution);
  recorder.watch_input("x", x.buffer);
  recorder.watch_input("dy", dy.buffer);
  recorder.watch_input("weight", w.buffer);
  running_in.watch(recorder);
  recorder.watch_output("dx", dx.buffer);
  recorder.watch_output("dweight", dw.buffer);
  recorder.watch_output("dbias", db.buffer);
  Call call;
  const bnconf_status status =
      train
          ? backend.table().backward_train(&params, &x.view, &dy.view, w.in(), {dx.buffer.data()},
                                           dw.out(), db.out(), call.msg())
          : backend.table().backward_eval(&params, &x.view, &dy.view, w.in(), running_in.pointer(),
                                          {dx.buffer.data()}, dw.out(), db.out(), call.msg());
  recorder.finish(status, call.message);
  Gradients g;
  if (status != BNCONF_OK) return g;
  g.dx = decode_activation(dx);
  g.dweight = dw.array();
  g.dbias = db.array();
  return g;
}

std::optional<ref::RunningStats> running_of(const formats::Case& c) {
  if (!c.inputs.count("running_mean")) return std::nullopt;
  return ref::RunningStats{
      formats::to_channel_vector(c.inputs.at("running_mean")),
      formats::to_channel_vector(c.inputs.at("running_var")),
      static_cast<std::int64_t>(c.inputs.at("num_batches_tracked").values.at(0))};
}

Array slice(const Array& stacked, std::size_t k) {
  Array row{{stacked.shape.begin() + 1, stacked.shape.end()}, {}};
  const std::size_t n = stacked.values.size() / stacked.shape[0];
  row.values.assign(stacked.values.begin() + static_cast<std::ptrdiff_t>(k * n),
                    stacked.values.begin() + static_cast<std::ptrdiff_t>((k + 1) * n));
  return row;
}

void append_step(std::map<std::string, Array>& outputs, const std::string& name, const Array& value,
                 std::size_t steps) {
  Array& stacked = outputs[name];
  if (stacked.shape.empty()) {
    stacked.shape = {steps};
    stacked.shape.insert(stacked.shape.end(), value.shape.begin(), value.shape.end());
  }
  stacked.values.insert(stacked.values.end(), value.values.begin(), value.values.end());
}

void store_forward_train(std::map<std::string, Array>& outputs, const ForwardTrainOutputs& f,
                         bool saved_stats) {
  outputs["y"] = f.y;
  if (saved_stats) {
    outputs["batch_mean"] = f.batch_mean;
    outputs["batch_var"] = f.batch_var;
    outputs["saved_invstd"] = f.saved_invstd;
  }
  if (f.running_mean) {
    outputs["running_mean"] = *f.running_mean;
    outputs["running_var"] = *f.running_var;
    outputs["num_batches_tracked"] = Array::scalar(f.num_batches_tracked);
  }
}

void run_sequence(const Backend& backend, const formats::Case& c, Execution& execution) {
  const auto weight = values_or_empty(c, "weight"), bias = values_or_empty(c, "bias");
  std::optional<ref::RunningStats> running = running_of(c);
  const Array& xs = c.inputs.at("x");
  const std::size_t steps = xs.shape[0];
  const bool saved = supports(backend, BNCONF_FEATURE_SAVED_STATS);
  for (std::size_t k = 0; k < steps; ++k) {
    const auto f =
        call_forward_train(backend, c.spec, slice(xs, k), weight, bias, running, execution);
    if (execution.status != CallStatus::ok) return;
    append_step(execution.outputs, "y", f.y, steps);
    if (saved) {
      append_step(execution.outputs, "batch_mean", f.batch_mean, steps);
      append_step(execution.outputs, "batch_var", f.batch_var, steps);
      append_step(execution.outputs, "saved_invstd", f.saved_invstd, steps);
    }
    if (f.running_mean) {
      running = ref::RunningStats{formats::to_channel_vector(*f.running_mean),
                                  formats::to_channel_vector(*f.running_var),
                                  static_cast<std::int64_t>(f.num_batches_tracked)};
      append_step(execution.outputs, "running_mean", *f.running_mean, steps);
      append_step(execution.outputs, "running_var", *f.running_var, steps);
      append_step(execution.outputs, "num_batches_tracked", Array::scalar(f.num_batches_tracked),
                  steps);
    }
  }
  execution.outputs["y_eval"] =
      call_forward_eval(backend, c.spec, c.inputs.at("x_eval"), weight, bias, running, execution);
}

std::vector<double> as_vector(const ref::ChannelVector& v) { return {v.begin(), v.end()}; }

void run_pipeline(const Backend& backend, const formats::Case& c, Execution& execution) {
  using generators::PipelineData;
  PipelineData data{formats::to_tensor(c.inputs.at("x"), c.spec.layout),
                    {},
                    {formats::to_channel_vector(c.inputs.at("weight")),
                     formats::to_channel_vector(c.inputs.at("bias"))},
                    *running_of(c),
                    c.inputs.at("linear_weight").values,
                    c.inputs.at("linear_bias").values};
  for (double label : c.inputs.at("labels").values) data.labels.push_back(static_cast<int>(label));
  // The pipeline calls BatchNorm through the backend; a failing call stops it.
  struct Stop {};
  generators::BatchNormCalls calls;
  calls.forward_train = [&](const ref::BatchNormSpec&, const ref::Tensor& x,
                            const ref::AffineParams& p, const std::optional<ref::RunningStats>& r) {
    const auto f = call_forward_train(backend, c.spec, formats::to_array(x), as_vector(p.weight),
                                      as_vector(p.bias), r, execution);
    if (execution.status != CallStatus::ok || !f.running_mean) throw Stop{};
    ref::ForwardTrainResult result;
    result.y = formats::to_tensor(f.y, ref::Layout::channels_first);
    result.running = ref::RunningStats{formats::to_channel_vector(*f.running_mean),
                                       formats::to_channel_vector(*f.running_var),
                                       static_cast<std::int64_t>(f.num_batches_tracked)};
    return result;
  };
  calls.forward_eval = [&](const ref::BatchNormSpec&, const ref::Tensor& x,
                           const ref::AffineParams& p, const std::optional<ref::RunningStats>& r) {
    const Array y = call_forward_eval(backend, c.spec, formats::to_array(x), as_vector(p.weight),
                                      as_vector(p.bias), r, execution);
    if (execution.status != CallStatus::ok) throw Stop{};
    return formats::to_tensor(y, ref::Layout::channels_first);
  };
  calls.backward_train = [&](const ref::BatchNormSpec&, const ref::Tensor& x, const ref::Tensor& dy,
                             const ref::AffineParams& p) {
    const Gradients g =
        call_backward(backend, c.spec, true, formats::to_array(x), formats::to_array(dy),
                      as_vector(p.weight), std::nullopt, execution);
    if (execution.status != CallStatus::ok) throw Stop{};
    return ref::BackwardResult{formats::to_tensor(g.dx, ref::Layout::channels_first),
                               formats::to_channel_vector(g.dweight),
                               formats::to_channel_vector(g.dbias)};
  };
  try {
    const auto trace = generators::train_seed_pipeline(c.spec.spec, data, c.spec.steps, calls);
    auto& o = execution.outputs;
    o["epoch_loss"] = Array::vector(trace.epoch_loss);
    o["epoch_accuracy"] = Array::vector(trace.epoch_accuracy);
    o["weight"] = formats::to_array(trace.batch_norm.weight);
    o["bias"] = formats::to_array(trace.batch_norm.bias);
    o["linear_weight"] = Array{c.inputs.at("linear_weight").shape, trace.linear_weight};
    o["linear_bias"] = Array::vector(trace.linear_bias);
    o["running_mean"] = formats::to_array(trace.running.mean);
    o["running_var"] = formats::to_array(trace.running.var);
    o["num_batches_tracked"] =
        Array::scalar(static_cast<double>(trace.running.num_batches_tracked));
  } catch (const Stop&) {
  }
}

bool has(std::uint32_t mask, int bit) { return (mask & (1u << bit)) != 0; }

}  // namespace

std::string to_string(CallStatus status) {
  switch (status) {
    case CallStatus::ok:
      return "ok";
    case CallStatus::unsupported:
      return "unsupported";
    case CallStatus::invalid_argument:
      return "invalid_argument";
    case CallStatus::backend_error:
      return "backend_error";
  }
  return "?";
}

std::string unsupported_reason(const bnconf_capabilities& caps, const formats::Case& c) {
  const auto& s = c.spec;
  const bool error_case = s.operation == Operation::error;
  if (error_case && !(caps.features & BNCONF_FEATURE_VALIDATES_INPUT)) {
    return "input validation (errors tier)";
  }
  if (!has(caps.dtypes, static_cast<int>(s.dtype)))
    return "dtype " + std::string(random::to_string(s.dtype));
  if (!has(caps.layouts, static_cast<int>(s.layout)))
    return "layout " + std::string(ref::to_string(s.layout));
  if (!error_case && !has(caps.ranks, static_cast<int>(s.shape.size()))) {
    return "rank " + std::to_string(s.shape.size());
  }
  auto needs_op = [&](std::uint32_t op, const char* name) -> std::string {
    return (caps.operations & op) ? "" : std::string("operation ") + name;
  };
  const Operation op = error_case ? s.call : s.operation;
  std::string missing;
  switch (op) {
    case Operation::forward_train:
      missing = needs_op(BNCONF_OP_FORWARD_TRAIN, "forward_train");
      break;
    case Operation::forward_eval:
      missing = needs_op(BNCONF_OP_FORWARD_EVAL, "forward_eval");
      break;
    case Operation::backward_train:
      missing = needs_op(BNCONF_OP_BACKWARD_TRAIN, "backward_train");
      break;
    case Operation::backward_eval:
      missing = needs_op(BNCONF_OP_BACKWARD_EVAL, "backward_eval");
      break;
    case Operation::sequence:
      missing = needs_op(BNCONF_OP_FORWARD_TRAIN, "forward_train");
      if (missing.empty()) missing = needs_op(BNCONF_OP_FORWARD_EVAL, "forward_eval");
      break;
    case Operation::pipeline:
      missing =
          needs_op(BNCONF_OP_FORWARD_TRAIN | BNCONF_OP_FORWARD_EVAL | BNCONF_OP_BACKWARD_TRAIN,
                   "forward_train + forward_eval + backward_train");
      if (missing.empty() &&
          (caps.operations &
           (BNCONF_OP_FORWARD_TRAIN | BNCONF_OP_FORWARD_EVAL | BNCONF_OP_BACKWARD_TRAIN)) !=
              (BNCONF_OP_FORWARD_TRAIN | BNCONF_OP_FORWARD_EVAL | BNCONF_OP_BACKWARD_TRAIN)) {
        missing = "operation forward_train + forward_eval + backward_train";
      }
      break;
    case Operation::error:
      break;
  }
  if (!missing.empty()) return missing;
  if (error_case) return "";
  const bool updates_running =
      s.spec.track_running_stats &&
      (s.operation == Operation::forward_train || s.operation == Operation::sequence ||
       s.operation == Operation::pipeline);
  if (!s.spec.affine && !(caps.features & BNCONF_FEATURE_NO_AFFINE)) return "affine=false";
  if (!s.spec.track_running_stats && !(caps.features & BNCONF_FEATURE_UNTRACKED)) {
    return "track_running_stats=false";
  }
  const bool keeps_running = (caps.features & BNCONF_FEATURE_RUNNING_STATS) != 0;
  const bool takes_running = keeps_running || (caps.features & BNCONF_FEATURE_GLOBAL_STATS) != 0;
  // A backend that only takes given statistics (GLOBAL_STATS) is still judged on a tracked
  // training step's y and batch statistics; sequences and pipelines chain running statistics.
  if (updates_running && !keeps_running &&
      (s.operation != Operation::forward_train || !takes_running)) {
    return "running statistics";
  }
  if (updates_running && keeps_running) {
    if (!has(caps.conventions, static_cast<int>(s.spec.momentum_convention))) {
      return "momentum convention " + std::string(ref::to_string(s.spec.momentum_convention));
    }
    if (!has(caps.estimators, static_cast<int>(s.spec.running_var_estimator))) {
      return "running variance estimator " +
             std::string(ref::to_string(s.spec.running_var_estimator));
    }
    if (!s.spec.momentum && !(caps.features & BNCONF_FEATURE_MOMENTUM_NONE)) return "momentum none";
  }
  if ((s.operation == Operation::forward_eval || s.operation == Operation::backward_eval) &&
      s.spec.track_running_stats && !takes_running) {
    return "running statistics";
  }
  return "";
}

Execution execute_case(const Backend& backend, const formats::Case& c) {
  Execution execution;
  const auto weight = values_or_empty(c, "weight"), bias = values_or_empty(c, "bias");
  const bool saved = supports(backend, BNCONF_FEATURE_SAVED_STATS);
  const Operation op = c.spec.operation == Operation::error ? c.spec.call : c.spec.operation;
  const auto running = running_of(c);
  switch (op) {
    case Operation::forward_train: {
      const auto f =
          call_forward_train(backend, c.spec, c.inputs.at("x"), weight, bias, running, execution);
      if (execution.status == CallStatus::ok) store_forward_train(execution.outputs, f, saved);
      if (running && !supports(backend, BNCONF_FEATURE_RUNNING_STATS)) {
        // Declared: the backend keeps no running statistics (GLOBAL_STATS only).
        for (const char* name : {"running_mean", "running_var", "num_batches_tracked"}) {
          execution.outputs.erase(name);
          execution.unchecked.emplace_back(name);
        }
        execution.unchecked_reason = "the backend keeps no running statistics";
      }
      break;
    }
    case Operation::forward_eval:
      execution.outputs["y"] =
          call_forward_eval(backend, c.spec, c.inputs.at("x"), weight, bias, running, execution);
      break;
    case Operation::backward_train:
    case Operation::backward_eval: {
      const Gradients g =
          call_backward(backend, c.spec, op == Operation::backward_train, c.inputs.at("x"),
                        c.inputs.at("dy"), weight, running, execution);
      if (execution.status != CallStatus::ok) break;
      execution.outputs["dx"] = g.dx;
      if (c.spec.spec.affine) {
        execution.outputs["dweight"] = g.dweight;
        execution.outputs["dbias"] = g.dbias;
      }
      break;
    }
    case Operation::sequence:
      run_sequence(backend, c, execution);
      break;
    case Operation::pipeline:
      run_pipeline(backend, c, execution);
      break;
    case Operation::error:
      break;
  }
  if (execution.status != CallStatus::ok) execution.outputs.clear();
  return execution;
}

}  // namespace bnconf::conformance
