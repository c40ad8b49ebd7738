#include "abi_engine.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "abi_values.hpp"
#include "bnconf/adapter.hpp"
#include "bnconf/cases/tensor_arrays.hpp"

namespace bnconf::conformance {
namespace {

namespace ref = bnconf::reference;
using cases::Array;
using cases::CallFailed;

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

// An activation tensor in the case's dtype and layout.
struct Activation {
  Buffer buffer;
  bnconf_tensor view{};
};

// An activation in the case's dtype: dense in `layout`, or a strided view of that layout
// (cases::view_geometry) whose padding elements hold NaN, so that a backend reading them as
// values shows it.
Activation encode_activation(const Array& array, ref::Layout layout, ieee::Dtype dtype,
                             cases::View view) {
  Activation a;
  a.view.rank = static_cast<std::int32_t>(array.shape.size());
  for (std::size_t i = 0; i < array.shape.size() && i < BNCONF_MAX_RANK; ++i) {
    a.view.shape[i] = static_cast<std::int64_t>(array.shape[i]);
  }
  a.view.dtype = abi_dtype(dtype);
  if (view == cases::View::dense) {
    const ref::Tensor tensor = cases::to_tensor(array, layout);  // storage order in .data()
    a.buffer = Buffer(tensor.size() * ieee::storage_bytes(dtype));
    const std::vector<double> storage(tensor.data(), tensor.data() + tensor.size());
    adapter::store_from_double(storage, abi_dtype(dtype), a.buffer.data());
    a.view.layout = abi_layout(layout);
  } else {
    const cases::ViewGeometry g = cases::view_geometry(array.shape, layout);
    std::vector<double> storage(g.span, std::numeric_limits<double>::quiet_NaN());
    a.view.layout = BNCONF_STRIDED;
    a.view.storage_offset = g.storage_offset;
    std::copy(g.strides.begin(), g.strides.end(), a.view.strides);
    std::vector<std::int64_t> index(array.shape.size(), 0);
    for (double value : array.values) {  // logical row-major order
      storage[adapter::storage_offset(a.view, index.data())] = value;
      for (std::size_t axis = index.size(); axis-- > 0;) {
        if (++index[axis] < a.view.shape[axis]) break;
        index[axis] = 0;
      }
    }
    a.buffer = Buffer(storage.size() * ieee::storage_bytes(dtype));
    adapter::store_from_double(storage, abi_dtype(dtype), a.buffer.data());
  }
  a.view.data = a.buffer.data();
  return a;
}

// An output activation shaped like `like`: in its layout, dense channels-first when `like` is a
// strided view (adapter.h).
Activation output_activation(const bnconf_tensor& like) {
  Activation a;
  a.view = like;
  if (like.layout == BNCONF_STRIDED) a.view.layout = BNCONF_CHANNELS_FIRST;
  a.buffer = Buffer(adapter::element_count(like) *
                    ieee::storage_bytes(static_cast<ieee::Dtype>(like.dtype)));
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
  return cases::to_array(tensor);
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
  std::vector<double> values() const {
    const auto* d = static_cast<const double*>(buffer.data());
    return std::vector<double>(d, d + length);
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

// Snapshots the inputs and registers the outputs of one call; after it, records what the backend
// broke and turns a status other than BNCONF_OK into CallFailed.
class CallRecorder {
 public:
  explicit CallRecorder(std::vector<std::string>& violations) : violations_(violations) {}
  void watch_input(const std::string& name, const Buffer& buffer) {
    const auto* bytes = static_cast<const unsigned char*>(buffer.data());
    inputs_.push_back({name, &buffer, std::vector<unsigned char>(bytes, bytes + buffer.bytes())});
  }
  void watch_outputs(std::initializer_list<std::pair<const char*, const Buffer*>> outputs) {
    for (const auto& [name, buffer] : outputs) outputs_.emplace_back(name, buffer);
  }
  bnconf_message message() { return {message_, sizeof message_}; }
  void finish(bnconf_status status) {
    for (const auto& w : inputs_) {
      // (memcmp's pointers must be valid even for size 0.)
      if (!w.copy.empty() && std::memcmp(w.buffer->data(), w.copy.data(), w.copy.size()) != 0) {
        violations_.push_back("modified input " + w.name);
      }
    }
    for (const auto& [name, buffer] : outputs_) {
      const std::string damage = buffer->guard_damage();
      if (!damage.empty()) violations_.push_back("wrote " + damage + " of output " + name);
    }
    if (status != BNCONF_OK) {
      message_[sizeof message_ - 1] = '\0';
      throw CallFailed(call_status(status), message_);
    }
  }

 private:
  struct InputWatch {
    std::string name;
    const Buffer* buffer;
    std::vector<unsigned char> copy;
  };
  std::vector<std::string>& violations_;
  std::vector<InputWatch> inputs_;
  std::vector<std::pair<std::string, const Buffer*>> outputs_;
  char message_[1024] = {0};
};

bnconf_params params_of(const cases::CaseSpec& spec) {
  bnconf_params p{};
  p.struct_size = sizeof(bnconf_params);
  p.eps = spec.spec.eps;
  p.momentum = spec.spec.momentum.value_or(0.0);
  p.momentum_none = spec.spec.momentum ? 0 : 1;
  p.momentum_convention = abi_convention(spec.spec.momentum_convention);
  p.var_estimator = abi_estimator(spec.spec.running_var_estimator);
  p.affine = spec.spec.affine;
  p.track_running_stats = spec.spec.track_running_stats;
  return p;
}

// Running statistics as call inputs: their buffers and the ABI view of them (nullptr when the
// case does not track them).
struct RunningInput {
  Vector mean, var;
  bnconf_running abi{};
  bool present = false;
  const bnconf_running* pointer() const { return present ? &abi : nullptr; }
  void watch(CallRecorder& recorder) const {
    recorder.watch_input("running_mean", mean.buffer);
    recorder.watch_input("running_var", var.buffer);
  }
};

RunningInput running_input(const std::optional<cases::Running>& running) {
  RunningInput in;
  if (!running) return in;
  in.present = true;
  in.mean = vector_of(running->mean);
  in.var = vector_of(running->var);
  in.abi = {in.mean.in(), in.var.in(), running->num_batches_tracked};
  return in;
}

// The inputs of a call in the ABI's form, watched unchanged by the recorder: x (and dy for the
// backward entries), weight, bias (the forward entries only) and the running statistics.
struct CallInputs {
  Activation x, dy;
  Vector weight, bias;
  RunningInput running;
  bool with_dy = false, with_bias = false;

  void watch(CallRecorder& recorder) const {
    recorder.watch_input("x", x.buffer);
    if (with_dy) recorder.watch_input("dy", dy.buffer);
    recorder.watch_input("weight", weight.buffer);
    if (with_bias) recorder.watch_input("bias", bias.buffer);
    running.watch(recorder);
  }
};

CallInputs call_inputs(const cases::CaseSpec& spec, const Array& x, const Array* dy,
                       const cases::Affine& affine, const std::optional<cases::Running>& running) {
  CallInputs in;
  in.x = encode_activation(x, spec.layout, spec.dtype, spec.view);
  in.with_dy = dy != nullptr;
  if (dy) in.dy = encode_activation(*dy, spec.dy_layout.value_or(spec.layout), spec.dtype, spec.view);
  in.weight = vector_of(affine.weight);
  in.with_bias = dy == nullptr;
  if (in.with_bias) in.bias = vector_of(affine.bias);
  in.running = running_input(running);
  return in;
}

// A table entry the backend left NULL: the case is unsupported, never a call through NULL.
void require_function(const void* function, cases::Entry entry) {
  if (!function) {
    throw CallFailed(cases::CallStatus::unsupported,
                     "the backend has no " + std::string(cases::to_string(entry)) + " function");
  }
}

bool has_feature(const Backend& backend, std::uint32_t feature) {
  return (backend.capabilities().features & feature) != 0;
}

}  // namespace

bool AbiEngine::produces(cases::OutputGroup group) const {
  switch (group) {
    case cases::OutputGroup::core:
      return true;
    case cases::OutputGroup::batch_statistics:
      return has_feature(backend_, BNCONF_FEATURE_SAVED_STATS);
    case cases::OutputGroup::running_statistics:
      return has_feature(backend_, BNCONF_FEATURE_RUNNING_STATS);
  }
  return false;
}

cases::TrainOutputs AbiEngine::forward_train(const cases::CaseSpec& spec, const Array& x_array,
                                             const cases::Affine& affine,
                                             const std::optional<cases::Running>& running) {
  require_function(reinterpret_cast<const void*>(backend_.table().forward_train),
                   cases::Entry::forward_train);
  const bnconf_params params = params_of(spec);
  const CallInputs in = call_inputs(spec, x_array, nullptr, affine, running);
  const std::size_t channels = adapter::channel_count(in.x.view);
  Activation y = output_activation(in.x.view);
  Vector mean = empty_vector(channels), var = empty_vector(channels),
         invstd = empty_vector(channels);
  Vector rm_out = empty_vector(running ? channels : 0),
         rv_out = empty_vector(running ? channels : 0);
  bnconf_running_out running_out{rm_out.out(), rv_out.out(),
                                 running ? running->num_batches_tracked : 0};
  CallRecorder recorder(violations_);
  in.watch(recorder);
  recorder.watch_outputs({{"y", &y.buffer},
                          {"batch_mean", &mean.buffer},
                          {"batch_var", &var.buffer},
                          {"saved_invstd", &invstd.buffer},
                          {"running_mean", &rm_out.buffer},
                          {"running_var", &rv_out.buffer}});
  recorder.finish(backend_.table().forward_train(
      &params, &in.x.view, in.weight.in(), in.bias.in(), in.running.pointer(), {y.buffer.data()},
      mean.out(), var.out(), invstd.out(), running ? &running_out : nullptr, recorder.message()));
  cases::TrainOutputs out{decode_activation(y), mean.values(), var.values(), invstd.values(),
                          std::nullopt};
  if (running) {
    out.running = cases::Running{rm_out.values(), rv_out.values(), running_out.num_batches_tracked};
  }
  return out;
}

Array AbiEngine::forward_eval(const cases::CaseSpec& spec, const Array& x_array,
                              const cases::Affine& affine,
                              const std::optional<cases::Running>& running) {
  require_function(reinterpret_cast<const void*>(backend_.table().forward_eval),
                   cases::Entry::forward_eval);
  const bnconf_params params = params_of(spec);
  const CallInputs in = call_inputs(spec, x_array, nullptr, affine, running);
  Activation y = output_activation(in.x.view);
  CallRecorder recorder(violations_);
  in.watch(recorder);
  recorder.watch_outputs({{"y", &y.buffer}});
  recorder.finish(backend_.table().forward_eval(&params, &in.x.view, in.weight.in(), in.bias.in(),
                                                in.running.pointer(), {y.buffer.data()},
                                                recorder.message()));
  return decode_activation(y);
}

cases::Gradients AbiEngine::backward_train(const cases::CaseSpec& spec, const Array& x,
                                           const Array& dy, const cases::Affine& affine) {
  return backward(true, spec, x, dy, affine, std::nullopt);
}

cases::Gradients AbiEngine::backward_eval(const cases::CaseSpec& spec, const Array& x,
                                          const Array& dy, const cases::Affine& affine,
                                          const std::optional<cases::Running>& running) {
  return backward(false, spec, x, dy, affine, running);
}

// The backward entries take no bias.
cases::Gradients AbiEngine::backward(bool train, const cases::CaseSpec& spec, const Array& x_array,
                                     const Array& dy_array, const cases::Affine& affine,
                                     const std::optional<cases::Running>& running) {
  const auto& table = backend_.table();
  require_function(train ? reinterpret_cast<const void*>(table.backward_train)
                         : reinterpret_cast<const void*>(table.backward_eval),
                   train ? cases::Entry::backward_train : cases::Entry::backward_eval);
  const bnconf_params params = params_of(spec);
  const CallInputs in = call_inputs(spec, x_array, &dy_array, affine, running);
  const std::size_t channels = adapter::channel_count(in.x.view);
  Activation dx = output_activation(in.x.view);
  Vector dw = empty_vector(spec.spec.affine ? channels : 0),
         db = empty_vector(spec.spec.affine ? channels : 0);
  CallRecorder recorder(violations_);
  in.watch(recorder);
  recorder.watch_outputs({{"dx", &dx.buffer}, {"dweight", &dw.buffer}, {"dbias", &db.buffer}});
  recorder.finish(train ? table.backward_train(&params, &in.x.view, &in.dy.view, in.weight.in(),
                                               {dx.buffer.data()}, dw.out(), db.out(),
                                               recorder.message())
                        : table.backward_eval(&params, &in.x.view, &in.dy.view, in.weight.in(),
                                              in.running.pointer(), {dx.buffer.data()}, dw.out(),
                                              db.out(), recorder.message()));
  return {decode_activation(dx), dw.values(), db.values()};
}

}  // namespace bnconf::conformance
