#include "checks.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "bnconf/adapter.hpp"

namespace bnconf::opencl {
namespace {

using adapter::InvalidArgument;

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
  if (t.layout != BNCONF_CHANNELS_FIRST && t.layout != BNCONF_CHANNELS_LAST) {
    throw InvalidArgument(what + " has unknown layout " + std::to_string(t.layout));
  }
  if (t.dtype < BNCONF_F64 || t.dtype > BNCONF_BF16) {
    throw InvalidArgument(what + " has unknown dtype " + std::to_string(t.dtype));
  }
  if (!t.data && t.rank >= 2 && adapter::element_count(t) > 0) {
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

void check_call(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor* dy,
                const bnconf_vector& weight, const bnconf_vector& bias,
                const bnconf_running* running, Entry entry) {
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
  adapter::validate(params, x, dy, weight, bias, running, training);
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
  if (!out && adapter::element_count(x) > 0) {
    throw std::invalid_argument(std::string("output ") + name + " has no buffer");
  }
}

}  // namespace bnconf::opencl
