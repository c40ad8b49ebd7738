// The libtorch adapter: PyTorch's C++ core (Debian's libtorch-dev) behind the adapter ABI.
//
// Every number comes from libtorch (README.md):
// - y and the running-statistics update from torch::nn::functional::batch_norm, the C++ frontend's
//   batch norm (at::batch_norm -> at::native_batch_norm on the CPU), which also makes libtorch's
//   own checks: channel counts of weight, bias and running statistics, "more than 1 value per
//   channel when training", running statistics in evaluation mode.
// - batch_mean and saved_invstd from at::native_batch_norm in training; the biased batch_var from
//   at::batch_norm_update_stats, the kernel PyTorch's own fallbacks use for it.
// - dx, dweight, dbias from at::native_batch_norm_backward: through the saved batch statistics in
//   training, through the running statistics in evaluation, after the checks the forward call
//   (F::batch_norm) would have made first, since the backward kernel makes none.
// - An empty batch (no element) never reaches ATen's kernels, which die with SIGFPE on N = 0:
//   batch statistics are torch's mean and variance of nothing (NaN, left open by the judge),
//   parameter gradients sums over nothing (0), as autograd through nn.BatchNorm gives.
// What nn.BatchNorm{1,2,3}d does around those calls, the adapter does: the rank check of the
// module that takes the input, num_batches_tracked += 1 in a tracked training step, and momentum
// None as 1 / num_batches_tracked. libtorch offers PyTorch's conventions only: weights on the
// batch statistics, unbiased running variance.
#include <ATen/ATen.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "bnconf/adapter.hpp"
#include "libtorch_tensors.hpp"

namespace bnconf::backends::libtorch {
namespace {

using adapter::InvalidArgument;
namespace F = torch::nn::functional;

// nn.BatchNorm1d takes 2D or 3D input, BatchNorm2d 4D, BatchNorm3d 5D: no module takes the rest.
void check_rank(const bnconf_tensor& x) {
  if (x.rank < 2 || x.rank > 5) {
    throw InvalidArgument(
        "expected 2D or 3D input (BatchNorm1d), 4D (BatchNorm2d) or 5D "
        "(BatchNorm3d), got " +
        std::to_string(x.rank) + "D input");
  }
}

// Runs a libtorch call, turning libtorch's argument errors (c10::Error from TORCH_CHECK) into the
// ABI's invalid-argument status with libtorch's own message.
template <class Call>
auto rejecting(Call&& call) -> decltype(call()) {
  try {
    return call();
  } catch (const c10::Error& e) {
    throw InvalidArgument(std::string("libtorch rejected the call: ") + e.what_without_backtrace());
  }
}

struct Parameters {
  at::Tensor weight, bias;  // undefined without affine
};

Parameters parameters_of(const bnconf_params& params, const bnconf_tensor& x,
                         const bnconf_vector& weight, const bnconf_vector& bias) {
  if (!params.affine) return {};
  const auto type = parameter_type_of(static_cast<bnconf_dtype>(x.dtype));
  return {channel_tensor(weight, type), channel_tensor(bias, type)};
}

struct Running {
  at::Tensor mean, var;  // undefined when not tracking
};

Running running_of(const bnconf_running* running, const bnconf_tensor& x) {
  if (!running) return {};
  const auto type = parameter_type_of(static_cast<bnconf_dtype>(x.dtype));
  return {channel_tensor(running->mean, type), channel_tensor(running->var, type)};
}

F::BatchNormFuncOptions options_of(const Parameters& p, bool training, double momentum,
                                   double eps) {
  return F::BatchNormFuncOptions()
      .weight(p.weight)
      .bias(p.bias)
      .training(training)
      .momentum(momentum)
      .eps(eps);
}

void check_gradient_shape(const at::Tensor& x, const at::Tensor& dy) {
  // Autograd's check on a gradient handed to backward(): native_batch_norm_backward assumes it.
  if (x.sizes() != dy.sizes()) {
    throw InvalidArgument("Mismatch in shape: grad_output has a shape of " + c10::str(dy.sizes()) +
                          " and output has a shape of " + c10::str(x.sizes()));
  }
}

// The axes a batch norm reduces: every one but the channel axis.
std::vector<std::int64_t> reduced_axes(const at::Tensor& x) {
  std::vector<std::int64_t> axes{0};
  for (std::int64_t axis = 2; axis < x.dim(); ++axis) axes.push_back(axis);
  return axes;
}

// PyTorch rejects one value per channel whenever it normalises with batch statistics (torch::nn::
// functional::batch_norm, "Expected more than 1 value per channel when training"), because its
// running variance is unbiased. A call whose running-variance estimator allows M = 1 is not
// PyTorch's to reject: declined, as the Python producer declines it.
void decline_single_value(const bnconf_params& params, const at::Tensor& input) {
  if (params.var_estimator == BNCONF_VAR_UNBIASED || input.size(1) == 0) return;
  if (input.numel() / input.size(1) == 1) {
    throw adapter::Unsupported(
        "PyTorch rejects one value per channel when normalising with batch statistics; the "
        "call's running-variance estimator allows it");
  }
}

// The checks the forward call of a training step makes before autograd can run its backward
// (channel counts of weight and running statistics, more than one value per channel when
// training, running statistics in evaluation mode): at::native_batch_norm_backward, which the
// backward entry points call directly, makes none of them.
void check_as_forward(const at::Tensor& input, const Parameters& p, const Running& r, bool training,
                      double eps) {
  rejecting([&] { return F::batch_norm(input, r.mean, r.var, options_of(p, training, 0.0, eps)); });
}

// Scratch running statistics (mean 0, variance 1) in the parameter type, left unchanged by
// momentum 0: with them libtorch takes its mixed-precision path for f16/bf16 input, as
// nn.BatchNorm's float buffers make it do; without any float tensor it keeps the saved
// statistics in the input's dtype (found by fuzzing: dx off by 2e-3 for bf16 without affine
// parameters).
struct ScratchRunning {
  at::Tensor mean, var;
};

ScratchRunning scratch_running(const bnconf_tensor& x, const at::Tensor& input) {
  const auto options =
      at::TensorOptions().dtype(parameter_type_of(static_cast<bnconf_dtype>(x.dtype)));
  return {at::zeros({input.size(1)}, options), at::ones({input.size(1)}, options)};
}

class LibTorchBackend final : public adapter::Backend {
 public:
  const char* name() const override { return "libtorch"; }
  const char* version() const override { return BNCONF_TORCH_VERSION " (cpu)"; }

  bnconf_capabilities capabilities() const override {
    bnconf_capabilities c =
        adapter::full_capabilities((1u << BNCONF_F64) | (1u << BNCONF_F32) | (1u << BNCONF_BF16));
    c.conventions = 1u << BNCONF_WEIGHTS_BATCH;
    c.estimators = 1u << BNCONF_VAR_UNBIASED;
    return c;
  }

  void forward_train(const bnconf_params& params, const bnconf_tensor& x,
                     const bnconf_vector& weight, const bnconf_vector& bias,
                     const bnconf_running* running_in, bnconf_tensor_out y,
                     bnconf_vector_out batch_mean, bnconf_vector_out batch_var,
                     bnconf_vector_out saved_invstd, bnconf_running_out* running_out) override {
    check_rank(x);
    const at::Tensor input = view_of(x);
    decline_single_value(params, input);
    const Parameters p = parameters_of(params, x, weight, bias);
    Running running = running_of(params.track_running_stats ? running_in : nullptr, x);
    std::int64_t tracked = running_in ? running_in->num_batches_tracked : 0;
    double momentum = params.momentum;
    if (running.mean.defined()) {
      ++tracked;  // nn.BatchNorm counts the step before it picks the factor
      if (params.momentum_none) momentum = 1.0 / static_cast<double>(tracked);
    }
    const at::Tensor out = rejecting([&] {
      return F::batch_norm(input, running.mean, running.var,
                           options_of(p, true, momentum, params.eps));
    });
    output_view(x, y.data).copy_(out);
    if (input.numel() == 0) {
      // An empty batch: at::native_batch_norm and at::batch_norm_update_stats die with SIGFPE
      // in libtorch 1.13, and nn.BatchNorm's own path (_batch_norm_impl_index, above) returns
      // before any kernel with its saved statistics uninitialised. The mean and variance of
      // nothing are NaN, which the judge leaves open (docs/tolerances.md).
      const auto type = parameter_type_of(static_cast<bnconf_dtype>(x.dtype));
      const auto [var, mean] = at::var_mean(input.to(type), reduced_axes(input), false);
      write_channels(mean, batch_mean);
      write_channels(var, batch_var);
      write_channels(at::rsqrt(var + params.eps), saved_invstd);
    } else if (batch_mean.data || saved_invstd.data || batch_var.data) {
      const ScratchRunning scratch = scratch_running(x, input);
      const auto saved = at::native_batch_norm(input, p.weight, p.bias, scratch.mean, scratch.var,
                                               true, 0.0, params.eps);
      write_channels(std::get<1>(saved), batch_mean);
      write_channels(std::get<2>(saved), saved_invstd);
      write_channels(
          std::get<1>(at::batch_norm_update_stats(input, scratch.mean, scratch.var, 0.0)),
          batch_var);
    }
    if (running.mean.defined() && running_out) {
      write_channels(running.mean, running_out->mean);
      write_channels(running.var, running_out->var);
      running_out->num_batches_tracked = tracked;
    }
  }

  void forward_eval(const bnconf_params& params, const bnconf_tensor& x,
                    const bnconf_vector& weight, const bnconf_vector& bias,
                    const bnconf_running* running, bnconf_tensor_out y) override {
    check_rank(x);
    const Parameters p = parameters_of(params, x, weight, bias);
    const Running r = running_of(params.track_running_stats ? running : nullptr, x);
    // nn.BatchNorm normalises with batch statistics when it has no running statistics.
    const bool batch_statistics = !params.track_running_stats;
    if (batch_statistics) decline_single_value(params, view_of(x));
    const at::Tensor out = rejecting([&] {
      return F::batch_norm(view_of(x), r.mean, r.var,
                           options_of(p, batch_statistics, params.momentum, params.eps));
    });
    output_view(x, y.data).copy_(out);
  }

  void backward_train(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor& dy,
                      const bnconf_vector& weight, bnconf_tensor_out dx, bnconf_vector_out dweight,
                      bnconf_vector_out dbias) override {
    check_rank(x);
    const at::Tensor input = view_of(x), grad = view_of(dy);
    check_gradient_shape(input, grad);
    const Parameters p = parameters_of(params, x, weight, weight);
    decline_single_value(params, input);
    check_as_forward(input, p, {}, true, params.eps);
    if (input.numel() == 0) {
      write_empty_gradients(input, grad, x, dx, dweight, dbias);
      return;
    }
    rejecting([&] {
      const ScratchRunning scratch = scratch_running(x, input);
      const auto saved = at::native_batch_norm(input, p.weight, p.bias, scratch.mean, scratch.var,
                                               true, 0.0, params.eps);
      write_gradients(
          at::native_batch_norm_backward(grad, input, p.weight, scratch.mean, scratch.var,
                                         std::get<1>(saved), std::get<2>(saved), true, params.eps,
                                         {true, params.affine != 0, params.affine != 0}),
          x, dx, dweight, dbias);
      return 0;
    });
  }

  void backward_eval(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor& dy,
                     const bnconf_vector& weight, const bnconf_running* running,
                     bnconf_tensor_out dx, bnconf_vector_out dweight,
                     bnconf_vector_out dbias) override {
    if (!params.track_running_stats) {
      return backward_train(params, x, dy, weight, dx, dweight, dbias);
    }
    check_rank(x);
    const at::Tensor input = view_of(x), grad = view_of(dy);
    check_gradient_shape(input, grad);
    const Parameters p = parameters_of(params, x, weight, weight);
    const Running r = running_of(running, x);
    // Also rejects absent running statistics, which native_batch_norm_backward would dereference.
    check_as_forward(input, p, r, false, params.eps);
    if (input.numel() == 0) {
      write_empty_gradients(input, grad, x, dx, dweight, dbias);
      return;
    }
    rejecting([&] {
      write_gradients(at::native_batch_norm_backward(
                          grad, input, p.weight, r.mean, r.var, {}, {}, false, params.eps,
                          {true, params.affine != 0, params.affine != 0}),
                      x, dx, dweight, dbias);
      return 0;
    });
  }

 private:
  // An empty batch (N = 0 or a zero spatial extent): native_batch_norm dies with SIGFPE on N = 0
  // in libtorch 1.13, and with a zero spatial extent its backward returns a NaN dweight (from the
  // saved statistics of nothing). Autograd through nn.BatchNorm, whose forward returns before any
  // kernel, gives an empty dx and dweight = dbias = 0: the parameter gradients are sums over no
  // element, computed here as such.
  static void write_empty_gradients(const at::Tensor& input, const at::Tensor& grad,
                                    const bnconf_tensor& x, bnconf_tensor_out dx,
                                    bnconf_vector_out dweight, bnconf_vector_out dbias) {
    const auto axes = reduced_axes(input);
    output_view(x, dx.data).copy_(grad);
    write_channels((grad * input).sum(axes), dweight);
    write_channels(grad.sum(axes), dbias);
  }

  static void write_gradients(const std::tuple<at::Tensor, at::Tensor, at::Tensor>& grads,
                              const bnconf_tensor& x, bnconf_tensor_out dx,
                              bnconf_vector_out dweight, bnconf_vector_out dbias) {
    output_view(x, dx.data).copy_(std::get<0>(grads));
    if (std::get<1>(grads).defined()) write_channels(std::get<1>(grads), dweight);
    if (std::get<2>(grads).defined()) write_channels(std::get<2>(grads), dbias);
  }
};

}  // namespace
}  // namespace bnconf::backends::libtorch

BNCONF_EXPORT_BACKEND(bnconf::backends::libtorch::LibTorchBackend)
