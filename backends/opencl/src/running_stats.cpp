#include "running_stats.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace bnconf::opencl {

void write_vector(const std::vector<double>& values, bnconf_vector_out out, const char* name) {
  if (!out.data && out.length == 0) return;
  if (!out.data || out.length != static_cast<std::int64_t>(values.size())) {
    throw std::invalid_argument(std::string("output ") + name + " has length " +
                                std::to_string(out.length) + ", expected " +
                                std::to_string(values.size()));
  }
  std::copy(values.begin(), values.end(), out.data);
}

void update_running(const bnconf_params& params, const bnconf_running& in,
                    const std::vector<double>& batch_mean, const std::vector<double>& batch_var,
                    std::size_t count, bnconf_running_out& out) {
  const std::size_t channels = batch_mean.size();
  const std::int64_t tracked = in.num_batches_tracked + 1;
  out.num_batches_tracked = tracked;
  std::vector<double> mean(in.mean.data, in.mean.data + channels);
  std::vector<double> var(in.var.data, in.var.data + channels);
  if (count > 0) {
    double w_old = 0, w_batch = 0;
    if (params.momentum_none) {
      w_batch = 1.0 / static_cast<double>(tracked);
      w_old = 1.0 - w_batch;
    } else if (params.momentum_convention == BNCONF_WEIGHTS_RUNNING) {
      w_old = params.momentum;
      w_batch = 1.0 - params.momentum;
    } else {
      w_old = 1.0 - params.momentum;
      w_batch = params.momentum;
    }
    const auto m = static_cast<double>(count);
    double factor = 1.0;  // population
    if (params.var_estimator == BNCONF_VAR_UNBIASED) factor = m / (m - 1.0);
    if (params.var_estimator == BNCONF_VAR_UNBIASED_CLAMPED) factor = m / std::max(m - 1.0, 1.0);
    for (std::size_t c = 0; c < channels; ++c) {
      mean[c] = w_old * mean[c] + w_batch * batch_mean[c];
      var[c] = w_old * var[c] + w_batch * (batch_var[c] * factor);
    }
  }
  write_vector(mean, out.mean, "running_mean");
  write_vector(var, out.var, "running_var");
}

}  // namespace bnconf::opencl
