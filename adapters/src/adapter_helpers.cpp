#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "bnconf/adapter.hpp"
#include "bnconf/ieee/dtype.hpp"
#include "bnconf/ieee/rounding.hpp"

namespace bnconf::adapter {
namespace {

std::string shape_text(const bnconf_tensor& t) {
  std::string text = "[";
  for (int i = 0; i < t.rank; ++i) text += (i ? ", " : "") + std::to_string(t.shape[i]);
  return text + "]";
}

double decode(const bnconf_tensor& t, std::size_t i) {
  switch (t.dtype) {
    case BNCONF_F64:
      return static_cast<const double*>(t.data)[i];
    case BNCONF_F32:
      return static_cast<const float*>(t.data)[i];
    case BNCONF_F16:
      return ieee::f16_from_bits(static_cast<const std::uint16_t*>(t.data)[i]);
    case BNCONF_BF16:
      return ieee::bf16_from_bits(static_cast<const std::uint16_t*>(t.data)[i]);
  }
  throw std::invalid_argument("unknown dtype " + std::to_string(t.dtype));
}

void encode(double value, bnconf_dtype dtype, void* out, std::size_t i) {
  switch (dtype) {
    case BNCONF_F64:
      static_cast<double*>(out)[i] = value;
      return;
    case BNCONF_F32:
      static_cast<float*>(out)[i] = static_cast<float>(value);
      return;
    case BNCONF_F16:
      static_cast<std::uint16_t*>(out)[i] = ieee::f16_bits(value);
      return;
    case BNCONF_BF16:
      static_cast<std::uint16_t*>(out)[i] = ieee::bf16_bits(value);
      return;
  }
  throw std::invalid_argument("unknown dtype " + std::to_string(dtype));
}

}  // namespace

bnconf_capabilities full_capabilities(std::uint32_t dtypes) {
  bnconf_capabilities c{};
  c.struct_size = sizeof(bnconf_capabilities);
  c.dtypes = dtypes;
  c.layouts = (1u << BNCONF_CHANNELS_FIRST) | (1u << BNCONF_CHANNELS_LAST);
  c.ranks = (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5);
  c.operations = BNCONF_OP_FORWARD_TRAIN | BNCONF_OP_FORWARD_EVAL | BNCONF_OP_BACKWARD_TRAIN |
                 BNCONF_OP_BACKWARD_EVAL;
  c.conventions = (1u << BNCONF_WEIGHTS_BATCH) | (1u << BNCONF_WEIGHTS_RUNNING);
  c.estimators = (1u << BNCONF_VAR_UNBIASED) | (1u << BNCONF_VAR_UNBIASED_CLAMPED) |
                 (1u << BNCONF_VAR_POPULATION);
  c.features = BNCONF_FEATURE_RUNNING_STATS | BNCONF_FEATURE_SAVED_STATS |
               BNCONF_FEATURE_MOMENTUM_NONE | BNCONF_FEATURE_NO_AFFINE | BNCONF_FEATURE_UNTRACKED |
               BNCONF_FEATURE_VALIDATES_INPUT;
  return c;
}

std::size_t element_count(const bnconf_tensor& tensor) {
  std::size_t n = 1;
  for (int i = 0; i < tensor.rank; ++i) n *= static_cast<std::size_t>(tensor.shape[i]);
  return n;
}

std::size_t channel_count(const bnconf_tensor& tensor) {
  return tensor.rank >= 2 ? static_cast<std::size_t>(tensor.shape[1]) : 0;
}

std::size_t storage_offset(const bnconf_tensor& tensor, const std::int64_t* index) {
  if (tensor.layout == BNCONF_STRIDED) {
    std::int64_t offset = tensor.storage_offset;
    for (int axis = 0; axis < tensor.rank; ++axis) offset += index[axis] * tensor.strides[axis];
    return static_cast<std::size_t>(offset);
  }
  // Axes from slowest to fastest in memory; channels-last moves axis 1 to the end.
  std::size_t offset = 0;
  auto visit = [&](int axis) {
    offset = offset * static_cast<std::size_t>(tensor.shape[axis]) +
             static_cast<std::size_t>(index[axis]);
  };
  const bool last = tensor.layout == BNCONF_CHANNELS_LAST && tensor.rank > 2;
  visit(0);
  if (!last && tensor.rank > 1) visit(1);
  for (int axis = 2; axis < tensor.rank; ++axis) visit(axis);
  if (last) visit(1);
  return offset;
}

std::size_t channel_of(const bnconf_tensor& tensor, std::size_t offset) {
  const std::size_t channels = channel_count(tensor);
  if (channels == 0) return 0;
  if (tensor.layout == BNCONF_CHANNELS_LAST || tensor.rank == 2) return offset % channels;
  // Channels-first, and the channels-first order a strided view is loaded in.
  std::size_t inner = 1;
  for (int axis = 2; axis < tensor.rank; ++axis)
    inner *= static_cast<std::size_t>(tensor.shape[axis]);
  return (offset / inner) % channels;
}

std::vector<float> load_as_float(const bnconf_tensor& tensor) {
  const std::vector<double> values = load_as_double(tensor);
  return std::vector<float>(values.begin(), values.end());
}

std::vector<double> load_as_double(const bnconf_tensor& tensor) {
  std::vector<double> values(element_count(tensor));
  if (tensor.layout != BNCONF_STRIDED) {
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = decode(tensor, i);
    return values;
  }
  // A strided view: gather in channels-first (logical row-major) order.
  std::vector<std::int64_t> index(static_cast<std::size_t>(tensor.rank), 0);
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = decode(tensor, storage_offset(tensor, index.data()));
    for (int axis = tensor.rank; axis-- > 0;) {
      if (++index[static_cast<std::size_t>(axis)] < tensor.shape[axis]) break;
      index[static_cast<std::size_t>(axis)] = 0;
    }
  }
  return values;
}

bnconf_tensor dense_copy(const bnconf_tensor& tensor, std::vector<unsigned char>& storage) {
  if (tensor.layout != BNCONF_STRIDED) return tensor;
  const std::vector<double> values = load_as_double(tensor);
  const auto dtype = static_cast<bnconf_dtype>(tensor.dtype);
  storage.assign(values.size() * ieee::storage_bytes(static_cast<ieee::Dtype>(dtype)), 0);
  // Decoding then encoding the same dtype is exact: the bytes are the view's own.
  store_from_double(values, dtype, storage.data());
  bnconf_tensor dense = tensor;
  dense.data = storage.data();
  dense.layout = BNCONF_CHANNELS_FIRST;
  return dense;
}

void store_from_float(const std::vector<float>& values, bnconf_dtype dtype, void* out) {
  for (std::size_t i = 0; i < values.size(); ++i) encode(values[i], dtype, out, i);
}

void store_from_double(const std::vector<double>& values, bnconf_dtype dtype, void* out) {
  for (std::size_t i = 0; i < values.size(); ++i) encode(values[i], dtype, out, i);
}

void validate(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor* dy,
              const bnconf_vector& weight, const bnconf_vector& bias, const bnconf_running* running,
              bool training) {
  if (x.rank < 2 || x.rank > 5) {
    throw InvalidArgument("expected 2D to 5D input (got " + std::to_string(x.rank) + "D input)");
  }
  const auto channels = static_cast<std::int64_t>(channel_count(x));
  auto check_length = [&](const bnconf_vector& v, const char* name) {
    if (v.length != channels) {
      throw InvalidArgument(std::string(name) + " should contain " + std::to_string(channels) +
                            " elements not " + std::to_string(v.length));
    }
  };
  if (!(std::isfinite(params.eps) && params.eps >= 0)) throw InvalidArgument("eps should be >= 0");
  if (!params.momentum_none && !(params.momentum >= 0 && params.momentum <= 1)) {
    throw InvalidArgument("momentum should be in [0, 1]");
  }
  if (params.affine) {
    check_length(weight, "weight");
    check_length(bias, "bias");
  }
  if (params.track_running_stats && running) {
    check_length(running->mean, "running_mean");
    check_length(running->var, "running_var");
  }
  if (params.track_running_stats && !running && !training) {
    throw InvalidArgument("running_mean must be defined in evaluation mode");
  }
  const bool batch_statistics = training || !params.track_running_stats;
  if (batch_statistics && params.var_estimator == BNCONF_VAR_UNBIASED && channels > 0 &&
      element_count(x) / static_cast<std::size_t>(channels) == 1) {
    throw InvalidArgument("Expected more than 1 value per channel when training, got input size " +
                          shape_text(x));
  }
  if (dy) {
    bool same = dy->rank == x.rank;
    for (int i = 0; same && i < x.rank; ++i) same = dy->shape[i] == x.shape[i];
    if (!same) {
      throw InvalidArgument("grad_output should have shape " + shape_text(x) + " not " +
                            shape_text(*dy));
    }
  }
}

namespace {

void check_header(const bnconf_tensor& t, const char* name) {
  const std::string what(name);
  if (t.rank < 0 || t.rank > BNCONF_MAX_RANK) {
    throw InvalidArgument(what + " has rank " + std::to_string(t.rank));
  }
  for (int axis = 0; axis < t.rank; ++axis) {
    if (t.shape[axis] < 0) {
      throw InvalidArgument(what + " has a negative extent on axis " + std::to_string(axis));
    }
  }
  if (t.layout != BNCONF_CHANNELS_FIRST && t.layout != BNCONF_CHANNELS_LAST &&
      t.layout != BNCONF_STRIDED) {
    throw InvalidArgument(what + " has unknown layout " + std::to_string(t.layout));
  }
  if (t.layout == BNCONF_STRIDED) {
    bool valid = t.storage_offset >= 0;
    for (int axis = 0; valid && axis < t.rank; ++axis) valid = t.strides[axis] >= 0;
    if (!valid) throw InvalidArgument(what + " has a negative stride or storage offset");
  }
  if (t.dtype < BNCONF_F64 || t.dtype > BNCONF_BF16) {
    throw InvalidArgument(what + " has unknown dtype " + std::to_string(t.dtype));
  }
  if (!t.data && t.rank >= 2 && element_count(t) > 0) {
    throw InvalidArgument(what + " has elements but no data");
  }
}

void check_vector(const bnconf_vector& v, const char* name) {
  if (v.length < 0 || (v.length > 0 && !v.data)) {
    throw InvalidArgument(std::string(name) + " has length " + std::to_string(v.length) +
                          (v.data ? "" : " and no data"));
  }
}

}  // namespace

void validate_call(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor* dy,
                   const bnconf_vector& weight, const bnconf_vector& given_bias,
                   const bnconf_running* running, Entry entry) {
  // A backward call has no bias; weight stands in for it in validate's length checks.
  const bool backward = entry == Entry::backward_train || entry == Entry::backward_eval;
  const bnconf_vector& bias = backward && params.affine ? weight : given_bias;
  check_header(x, "input");
  if (dy) check_header(*dy, "grad_output");
  check_vector(weight, "weight");
  check_vector(bias, "bias");
  if (running) {
    check_vector(running->mean, "running_mean");
    check_vector(running->var, "running_var");
  }
  if (params.momentum_convention != BNCONF_WEIGHTS_BATCH &&
      params.momentum_convention != BNCONF_WEIGHTS_RUNNING) {
    throw InvalidArgument("unknown momentum convention " +
                          std::to_string(params.momentum_convention));
  }
  if (params.var_estimator < BNCONF_VAR_UNBIASED || params.var_estimator > BNCONF_VAR_POPULATION) {
    throw InvalidArgument("unknown running variance estimator " +
                          std::to_string(params.var_estimator));
  }
  const bool training = entry == Entry::forward_train || entry == Entry::backward_train;
  validate(params, x, dy, weight, bias, running, training);
  if (!params.affine && (weight.length != 0 || bias.length != 0)) {
    throw InvalidArgument("weight should be empty when affine=false but has " +
                          std::to_string(std::max(weight.length, bias.length)) + " elements");
  }
  if (!params.track_running_stats && running) {
    throw InvalidArgument("running statistics should be absent when track_running_stats=false");
  }
  if (params.track_running_stats && !running && entry == Entry::forward_train) {
    throw InvalidArgument("running_mean must be defined when track_running_stats=true");
  }
  if (running && running->num_batches_tracked < 0) {
    throw InvalidArgument("num_batches_tracked should be >= 0 not " +
                          std::to_string(running->num_batches_tracked));
  }
  if (dy && dy->dtype != x.dtype) {
    throw InvalidArgument("grad_output should have the input's dtype");
  }
}

void check_output(const bnconf_tensor& x, const void* out, const char* name) {
  if (!out && element_count(x) > 0) {
    throw std::invalid_argument(std::string("output ") + name + " has no buffer");
  }
}

}  // namespace bnconf::adapter
