// The "cuda" backend: the bnconf ABI over cuDNN's batch normalization (README.md here). This file
// holds the ABI's semantics (validation, affine and tracking options, the momentum mapping, the
// saved statistics); batch_norm_call.cpp holds the cuDNN calls.
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "batch_norm_call.hpp"
#include "bnconf/adapter.hpp"
#include "device_probe.hpp"

namespace bnconf::backends::cuda {
namespace {

using adapter::check_output;
using adapter::Entry;
using adapter::Unsupported;

// The ABI's input checks (adapter::validate_call), then what this adapter cannot do. Invalid
// input is reported before unsupported configurations so that the errors tier sees
// invalid_argument.
void check_call(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor* dy,
                const bnconf_vector& weight, const bnconf_vector& bias,
                const bnconf_running* running, Entry entry) {
  adapter::validate_call(params, x, dy, weight, bias, running, entry);
  if (params.eps < CUDNN_BN_MIN_EPSILON) {
    throw Unsupported("cuDNN requires eps >= CUDNN_BN_MIN_EPSILON (" +
                      std::to_string(CUDNN_BN_MIN_EPSILON) + "), got " +
                      std::to_string(params.eps));
  }
  if (entry == Entry::forward_train && params.track_running_stats) {
    // cuDNN's running average: new = (1 - f) old + f batch, variance unbiased (/ (M - 1)).
    if (params.momentum_convention != BNCONF_WEIGHTS_BATCH) {
      throw Unsupported("cuDNN weights the batch by the factor (WEIGHTS_BATCH convention only)");
    }
    if (params.var_estimator != BNCONF_VAR_UNBIASED) {
      throw Unsupported("cuDNN's running variance is unbiased (VAR_UNBIASED only)");
    }
  }
}

// Writes a per-channel result into an output the runner asked for (data != NULL), never past its
// announced length.
void write(const std::vector<double>& values, bnconf_vector_out out, const char* name) {
  if (!out.data) return;
  if (out.length != static_cast<std::int64_t>(values.size())) {
    throw std::invalid_argument(std::string("output ") + name + " has length " +
                                std::to_string(out.length) + " not " +
                                std::to_string(values.size()));
  }
  std::copy(values.begin(), values.end(), out.data);
}

std::vector<double> values_of(const bnconf_vector& v) { return {v.data, v.data + v.length}; }

// gamma and beta; without affine, the identity transform cuDNN has no switch for.
std::vector<double> scale_of(const bnconf_params& p, const bnconf_vector& w, std::size_t c) {
  return p.affine ? values_of(w) : std::vector<double>(c, 1.0);
}
std::vector<double> shift_of(const bnconf_params& p, const bnconf_vector& b, std::size_t c) {
  return p.affine ? values_of(b) : std::vector<double>(c, 0.0);
}

class CudaBackend final : public adapter::Backend {
 public:
  const char* name() const override { return "cuda"; }
  const char* version() const override { return version_.c_str(); }

  bnconf_capabilities capabilities() const override {
    bnconf_capabilities c =
        adapter::full_capabilities((1u << BNCONF_F64) | (1u << BNCONF_F32) | (1u << BNCONF_F16));
    // cuDNN's running average has one convention and one estimator.
    c.conventions = 1u << BNCONF_WEIGHTS_BATCH;
    c.estimators = 1u << BNCONF_VAR_UNBIASED;
    return c;
  }

  void forward_train(const bnconf_params& params, const bnconf_tensor& x,
                     const bnconf_vector& weight, const bnconf_vector& bias,
                     const bnconf_running* running_in, bnconf_tensor_out y,
                     bnconf_vector_out batch_mean, bnconf_vector_out batch_var,
                     bnconf_vector_out saved_invstd, bnconf_running_out* running_out) override {
    require_device();
    check_call(params, x, nullptr, weight, bias, running_in, Entry::forward_train);
    check_output(x, y.data, "y");
    BatchNormCall call(x);
    const std::size_t c = call.channels();
    const bool tracking = params.track_running_stats && running_in;
    std::vector<double> mean, var;
    double factor = 0.0;
    if (tracking) {
      mean = values_of(running_in->mean);
      var = values_of(running_in->var);
      // PyTorch's cuDNN path: momentum as the factor; momentum None as the cumulative average
      // 1 / num_batches_tracked after the increment (cuDNN's documented 1 / (1 + n) recipe).
      factor = params.momentum_none ? 1.0 / static_cast<double>(running_in->num_batches_tracked + 1)
                                    : params.momentum;
    }
    const BatchNormCall::Saved saved = call.forward_training(
        scale_of(params, weight, c), shift_of(params, bias, c), params.eps, factor,
        tracking ? &mean : nullptr, tracking ? &var : nullptr, y.data);
    write(saved.mean, batch_mean, "batch_mean");
    write(saved.invstd, saved_invstd, "saved_invstd");
    if (batch_var.data) {
      // The biased variance the ABI asks for, from cuDNN's unbiased one (exact scaling in double
      // of cuDNN's value), rather than 1 / invstd^2 - eps, which cancels when var << eps.
      std::vector<double> biased = call.unbiased_batch_variance(params.eps);
      const auto m = static_cast<double>(call.per_channel());
      for (double& v : biased) v = v * (m - 1.0) / m;
      write(biased, batch_var, "batch_var");
    }
    if (tracking && running_out) {
      write(mean, running_out->mean, "running_mean");
      write(var, running_out->var, "running_var");
      running_out->num_batches_tracked = running_in->num_batches_tracked + 1;
    }
  }

  void forward_eval(const bnconf_params& params, const bnconf_tensor& x,
                    const bnconf_vector& weight, const bnconf_vector& bias,
                    const bnconf_running* running, bnconf_tensor_out y) override {
    require_device();
    check_call(params, x, nullptr, weight, bias, running, Entry::forward_eval);
    check_output(x, y.data, "y");
    BatchNormCall call(x);
    const std::size_t c = call.channels();
    if (running) {
      call.forward_inference(scale_of(params, weight, c), shift_of(params, bias, c),
                             values_of(running->mean), values_of(running->var), params.eps, y.data);
    } else {
      // Untracked: inference normalises with the batch's statistics, a training call that
      // updates nothing.
      call.forward_training(scale_of(params, weight, c), shift_of(params, bias, c), params.eps, 0.0,
                            nullptr, nullptr, y.data);
    }
  }

  void backward_train(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor& dy,
                      const bnconf_vector& weight, bnconf_tensor_out dx, bnconf_vector_out dweight,
                      bnconf_vector_out dbias) override {
    require_device();
    check_call(params, x, &dy, weight, bnconf_vector{}, nullptr, Entry::backward_train);
    gradients(params, x, dy, weight, dx, dweight, dbias);
  }

  void backward_eval(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor& dy,
                     const bnconf_vector& weight, const bnconf_running* running,
                     bnconf_tensor_out dx, bnconf_vector_out dweight,
                     bnconf_vector_out dbias) override {
    require_device();
    check_call(params, x, &dy, weight, bnconf_vector{}, running, Entry::backward_eval);
    if (running) {
      // PyTorch does not use cuDNN here either (its cuDNN backward is training-only).
      throw Unsupported(
          "cuDNN's batch-norm backward differentiates through batch statistics; it has no "
          "backward with frozen running statistics");
    }
    gradients(params, x, dy, weight, dx, dweight, dbias);
  }

 private:
  static void gradients(const bnconf_params& params, const bnconf_tensor& x,
                        const bnconf_tensor& dy, const bnconf_vector& weight, bnconf_tensor_out dx,
                        bnconf_vector_out dweight, bnconf_vector_out dbias) {
    check_output(x, dx.data, "dx");
    BatchNormCall call(x);
    const BatchNormCall::Gradients g =
        call.backward(dy, scale_of(params, weight, call.channels()), params.eps, dx.data);
    if (params.affine) {
      write(g.dscale, dweight, "dweight");
      write(g.dbias, dbias, "dbias");
    }
  }

  std::string version_ = version_text();
};

}  // namespace
}  // namespace bnconf::backends::cuda

BNCONF_EXPORT_BACKEND(bnconf::backends::cuda::CudaBackend)
