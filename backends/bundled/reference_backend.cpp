// The reference behind the ABI. Activations are decoded exactly to double (every f32, f16 and
// bf16 value is a double), handed to bnconf::reference as tensors with the ABI buffer's memory
// layout, and the results encoded back into the dtype with round-to-nearest-even. So for f64 the
// outputs are the fixtures' expected values bit for bit, and for narrower dtypes they are those
// values correctly rounded: the best any backend storing that dtype can return.
#include "bnconf/backends/reference_backend.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bnconf/adapter.hpp"
#include "bnconf/reference/batch_norm.hpp"
#include "bnconf/version.h"

namespace bnconf::backends {
namespace {

namespace ref = bnconf::reference;
using adapter::InvalidArgument;

// The layout of a buffer; a strided view is loaded in channels-first order (and the outputs of
// a call with strided inputs are dense channels-first, adapter.h).
ref::Layout layout_of(const bnconf_tensor& tensor) {
  return tensor.layout == BNCONF_CHANNELS_LAST ? ref::Layout::channels_last
                                               : ref::Layout::channels_first;
}

// A header the ABI cannot describe (the rank and shape checks of BatchNorm itself are the
// reference's, so that its messages are the ones reported).
void check_header(const bnconf_tensor& tensor, const char* name) {
  const std::string what(name);
  if (tensor.rank < 0 || tensor.rank > BNCONF_MAX_RANK) {
    throw InvalidArgument(what + " has rank " + std::to_string(tensor.rank) + " outside 0.." +
                          std::to_string(BNCONF_MAX_RANK));
  }
  for (int axis = 0; axis < tensor.rank; ++axis) {
    if (tensor.shape[axis] < 0) {
      throw InvalidArgument(what + " has negative extent " + std::to_string(tensor.shape[axis]) +
                            " on axis " + std::to_string(axis));
    }
  }
  if (tensor.layout != BNCONF_CHANNELS_FIRST && tensor.layout != BNCONF_CHANNELS_LAST &&
      tensor.layout != BNCONF_STRIDED) {
    throw InvalidArgument(what + " has unknown layout " + std::to_string(tensor.layout));
  }
  if (tensor.dtype < BNCONF_F64 || tensor.dtype > BNCONF_BF16) {
    throw InvalidArgument(what + " has unknown dtype " + std::to_string(tensor.dtype));
  }
  if (!tensor.data && adapter::element_count(tensor) > 0) {
    throw InvalidArgument(what + " has elements but no data");
  }
}

// The ABI buffer (storage order of its layout) as a reference tensor with the same layout, whose
// data() is in that storage order too (a strided view: gathered, channels-first).
ref::Tensor to_tensor(const bnconf_tensor& tensor, const char* name) {
  check_header(tensor, name);
  const ref::Shape shape(tensor.shape, tensor.shape + tensor.rank);
  ref::Tensor result = ref::make_tensor(shape, layout_of(tensor));
  if (tensor.data) {
    const std::vector<double> values = adapter::load_as_double(tensor);
    std::copy(values.begin(), values.end(), result.data());
  }
  return result;
}

ref::ChannelVector to_vector(const bnconf_vector& vector, const char* name) {
  if (vector.length < 0 || (vector.length > 0 && !vector.data)) {
    throw InvalidArgument(std::string(name) + " has length " + std::to_string(vector.length) +
                          (vector.data ? "" : " and no data"));
  }
  ref::ChannelVector result = xt::zeros<double>({static_cast<std::size_t>(vector.length)});
  std::copy(vector.data, vector.data + vector.length, result.begin());
  return result;
}

// Weight and bias as given: the reference itself rejects a wrong length, or any weight when
// affine = 0.
ref::AffineParams affine_of(const bnconf_vector& weight, const bnconf_vector& bias) {
  return {to_vector(weight, "weight"), to_vector(bias, "bias")};
}

std::optional<ref::RunningStats> running_of(const bnconf_running* running) {
  if (!running) return std::nullopt;
  return ref::RunningStats{to_vector(running->mean, "running_mean"),
                           to_vector(running->var, "running_var"), running->num_batches_tracked};
}

ref::BatchNormSpec spec_of(const bnconf_params& params) {
  ref::BatchNormSpec spec;
  spec.preset = "custom";
  spec.eps = params.eps;
  spec.momentum = params.momentum_none ? std::nullopt : std::optional<double>(params.momentum);
  switch (params.momentum_convention) {
    case BNCONF_WEIGHTS_BATCH:
      spec.momentum_convention = ref::MomentumConvention::weights_batch;
      break;
    case BNCONF_WEIGHTS_RUNNING:
      spec.momentum_convention = ref::MomentumConvention::weights_running;
      break;
    default:
      throw InvalidArgument("unknown momentum convention " +
                            std::to_string(params.momentum_convention));
  }
  switch (params.var_estimator) {
    case BNCONF_VAR_UNBIASED:
      spec.running_var_estimator = ref::RunningVarEstimator::unbiased;
      break;
    case BNCONF_VAR_UNBIASED_CLAMPED:
      spec.running_var_estimator = ref::RunningVarEstimator::unbiased_clamped;
      break;
    case BNCONF_VAR_POPULATION:
      spec.running_var_estimator = ref::RunningVarEstimator::population;
      break;
    default:
      throw InvalidArgument("unknown running variance estimator " +
                            std::to_string(params.var_estimator));
  }
  spec.affine = params.affine != 0;
  spec.track_running_stats = params.track_running_stats != 0;
  return spec;
}

// Writes `result` (any strides) into the output buffer in `like`'s layout and dtype.
void store_activation(const ref::Tensor& result, const bnconf_tensor& like, void* out) {
  if (adapter::element_count(like) == 0) return;
  if (!out) throw std::invalid_argument("the output activation has no buffer");
  const ref::Tensor stored = ref::to_layout(result, layout_of(like));
  const std::vector<double> values(stored.data(), stored.data() + stored.size());
  adapter::store_from_double(values, static_cast<bnconf_dtype>(like.dtype), out);
}

// Writes a per-channel result into an output the caller asked for (data != NULL). A length
// other than C is the caller's error, reported as a backend error rather than written past.
void store_vector(const ref::ChannelVector& values, bnconf_vector_out out, const char* name) {
  if (!out.data) return;
  if (out.length != static_cast<std::int64_t>(values.size())) {
    throw std::invalid_argument(std::string("output ") + name + " has length " +
                                std::to_string(out.length) + " but the result has " +
                                std::to_string(values.size()));
  }
  std::copy(values.begin(), values.end(), out.data);
}

// Runs a reference call, reporting the reference's validation errors as invalid arguments.
template <class Body>
auto invalid_input_as_invalid_argument(Body&& body) {
  try {
    return body();
  } catch (const ref::BatchNormError& e) {
    throw InvalidArgument(e.what());
  }
}

class ReferenceBackend final : public adapter::Backend {
 public:
  const char* name() const override { return "reference"; }
  const char* version() const override { return BNCONF_VERSION; }

  bnconf_capabilities capabilities() const override {
    bnconf_capabilities c = adapter::full_capabilities(
        (1u << BNCONF_F64) | (1u << BNCONF_F32) | (1u << BNCONF_F16) | (1u << BNCONF_BF16));
    c.features |= BNCONF_FEATURE_STRIDED;  // inputs are gathered into the reference's tensors
    return c;
  }

  void forward_train(const bnconf_params& params, const bnconf_tensor& x,
                     const bnconf_vector& weight, const bnconf_vector& bias,
                     const bnconf_running* running_in, bnconf_tensor_out y,
                     bnconf_vector_out batch_mean, bnconf_vector_out batch_var,
                     bnconf_vector_out saved_invstd, bnconf_running_out* running_out) override {
    const ref::ForwardTrainResult result = invalid_input_as_invalid_argument([&] {
      return ref::forward_train(spec_of(params), to_tensor(x, "input"), affine_of(weight, bias),
                                running_of(running_in));
    });
    store_activation(result.y, x, y.data);
    store_vector(result.batch_mean, batch_mean, "batch_mean");
    store_vector(result.batch_var, batch_var, "batch_var");
    store_vector(result.saved_invstd, saved_invstd, "saved_invstd");
    if (result.running && running_out) {
      store_vector(result.running->mean, running_out->mean, "running_mean");
      store_vector(result.running->var, running_out->var, "running_var");
      running_out->num_batches_tracked = result.running->num_batches_tracked;
    }
  }

  void forward_eval(const bnconf_params& params, const bnconf_tensor& x,
                    const bnconf_vector& weight, const bnconf_vector& bias,
                    const bnconf_running* running, bnconf_tensor_out y) override {
    const ref::Tensor result = invalid_input_as_invalid_argument([&] {
      return ref::forward_eval(spec_of(params), to_tensor(x, "input"), affine_of(weight, bias),
                               running_of(running));
    });
    store_activation(result, x, y.data);
  }

  void backward_train(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor& dy,
                      const bnconf_vector& weight, bnconf_tensor_out dx, bnconf_vector_out dweight,
                      bnconf_vector_out dbias) override {
    const ref::BackwardResult result = invalid_input_as_invalid_argument([&] {
      const ref::BatchNormSpec spec = spec_of(params);
      return ref::backward_train(spec, to_tensor(x, "input"), to_tensor(dy, "grad_output"),
                                 gradient_params(spec, weight));
    });
    store_gradients(result, x, dx, dweight, dbias);
  }

  void backward_eval(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor& dy,
                     const bnconf_vector& weight, const bnconf_running* running,
                     bnconf_tensor_out dx, bnconf_vector_out dweight,
                     bnconf_vector_out dbias) override {
    const ref::BackwardResult result = invalid_input_as_invalid_argument([&] {
      const ref::BatchNormSpec spec = spec_of(params);
      return ref::backward_eval(spec, to_tensor(x, "input"), to_tensor(dy, "grad_output"),
                                gradient_params(spec, weight), running_of(running));
    });
    store_gradients(result, x, dx, dweight, dbias);
  }

 private:
  // The backward entry points take no bias (dx does not depend on it), but the reference checks
  // AffineParams as a whole: give it a bias of the weight's length when affine.
  static ref::AffineParams gradient_params(const ref::BatchNormSpec& spec,
                                           const bnconf_vector& weight) {
    ref::AffineParams params{to_vector(weight, "weight"), {}};
    if (spec.affine) params.bias = xt::zeros<double>({params.weight.size()});
    return params;
  }

  static void store_gradients(const ref::BackwardResult& result, const bnconf_tensor& x,
                              bnconf_tensor_out dx, bnconf_vector_out dweight,
                              bnconf_vector_out dbias) {
    store_activation(result.dx, x, dx.data);
    store_vector(result.dweight, dweight, "dweight");
    store_vector(result.dbias, dbias, "dbias");
  }
};

}  // namespace
}  // namespace bnconf::backends

extern "C" const bnconf_backend_v1* bnconf_reference_backend(void) {
  return bnconf::adapter::detail::table_of<bnconf::backends::ReferenceBackend>();
}
