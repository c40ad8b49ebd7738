// A real correct backend against the tolerance model: libtorch's CPU batch norm
// (at::native_batch_norm, at::native_batch_norm_backward; PyTorch 1.13 from Debian's
// libtorch-dev) in the case's dtype and memory format, on every committed case it can express.
// PyTorch accumulates float statistics in double and applies the fused affine step
// y = x * (gamma invstd) + (beta - mean gamma invstd) in the dtype; channels-last inputs take its
// vectorised channels-last kernels. Built only when libtorch is found.
//
// Not expressible in PyTorch (skipped): the population running-variance estimator (ONNX,
// Keras presets) with tracking; TF's clamped estimator with one value per channel; f16 on CPU
// (not implemented in 1.13); empty activations (PyTorch's public path returns before the
// kernels).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "bnconf/formats/fixture_set.hpp"
#include "simulated_backends.hpp"

namespace bnconf::tolerance_testing {
namespace {

using cases::Case;
using cases::CaseSpec;
using cases::Operation;
using ieee::Dtype;

using cases::CallStatus;

// A case libtorch cannot express: the engine's call ends unsupported.
struct Unsupported : cases::CallFailed {
  explicit Unsupported(const std::string& why) : CallFailed(CallStatus::unsupported, why) {}
};

at::ScalarType scalar_type(Dtype d) {
  switch (d) {
    case Dtype::f64:
      return at::kDouble;
    case Dtype::f32:
      return at::kFloat;
    case Dtype::bf16:
      return at::kBFloat16;
    case Dtype::f16:
      throw Unsupported("f16 batch norm is not implemented on CPU in libtorch 1.13");
  }
  return at::kDouble;
}

// Per-channel parameters and statistics: double for f64, float otherwise (PyTorch's mixed-type
// batch norm takes float parameters with bf16 activations).
at::ScalarType param_type(Dtype d) { return d == Dtype::f64 ? at::kDouble : at::kFloat; }

at::Tensor activation(const Array& a, const CaseSpec& c) {
  std::vector<double> values = a.values;
  const std::vector<int64_t> sizes(a.shape.begin(), a.shape.end());
  at::Tensor t = at::from_blob(values.data(), sizes, at::kDouble).clone().to(scalar_type(c.dtype));
  if (c.layout == reference::Layout::channels_last && sizes.size() == 4) {
    t = t.contiguous(at::MemoryFormat::ChannelsLast);
  } else if (c.layout == reference::Layout::channels_last && sizes.size() == 5) {
    t = t.contiguous(at::MemoryFormat::ChannelsLast3d);
  } else if (c.layout == reference::Layout::channels_last && sizes.size() == 3) {
    t = t.permute({0, 2, 1}).contiguous().permute({0, 2, 1});  // (N, L, C) in memory
  }
  return t;
}

at::Tensor channel(const std::vector<double>& v, const CaseSpec& c) {
  if (v.empty()) return {};
  std::vector<double> values = v;
  return at::from_blob(values.data(), {static_cast<int64_t>(values.size())}, at::kDouble)
      .clone()
      .to(param_type(c.dtype));
}

std::vector<double> values(const at::Tensor& t) {
  if (!t.defined()) return {};
  const at::Tensor d = t.to(at::kDouble).contiguous();
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

Array array(const at::Tensor& t, const std::vector<std::size_t>& shape) {
  return {shape, values(t)};
}

class TorchBackend final : public SimulatedBackend {
 public:
  std::string name() const override { return "libtorch CPU"; }

  cases::TrainOutputs forward_train(const CaseSpec& c, const Array& x, const cases::Affine& p,
                                    const std::optional<cases::Running>& running) override {
    const at::Tensor xt = activation(x, c);
    at::Tensor rm, rv;
    double momentum = 0.0;
    if (running) {
      if (c.spec.running_var_estimator == reference::RunningVarEstimator::population) {
        throw Unsupported("PyTorch's running variance is unbiased");
      }
      // TF's clamped estimator equals PyTorch's unbiased one only when M > 1.
      if (c.spec.running_var_estimator == reference::RunningVarEstimator::unbiased_clamped &&
          x.values.size() == static_cast<std::size_t>(c.shape[1])) {
        throw Unsupported("PyTorch divides by M - 1 even when M = 1");
      }
      rm = channel(running->mean, c);
      rv = channel(running->var, c);
      const double counter = static_cast<double>(running->num_batches_tracked + 1);
      if (!c.spec.momentum) {
        momentum = 1.0 / counter;
      } else if (c.spec.momentum_convention == reference::MomentumConvention::weights_batch) {
        momentum = *c.spec.momentum;
      } else {
        momentum = 1.0 - *c.spec.momentum;  // what PyTorch's ONNX exporter writes, mirrored
      }
    }
    const auto [y, mean, invstd] = at::native_batch_norm(
        xt, channel(p.weight, c), channel(p.bias, c), rm, rv, true, momentum, c.spec.eps);
    std::vector<int64_t> dims{0};
    for (int64_t d = 2; d < xt.dim(); ++d) dims.push_back(d);
    const auto [var, unused_mean] = at::var_mean(xt.to(param_type(c.dtype)), dims, false);
    cases::TrainOutputs out{array(y, x.shape), values(mean), values(var), values(invstd),
                            std::nullopt};
    if (running)
      out.running = cases::Running{values(rm), values(rv), running->num_batches_tracked + 1};
    return out;
  }

  Array forward_eval(const CaseSpec& c, const Array& x, const cases::Affine& p,
                     const std::optional<cases::Running>& running) override {
    const at::Tensor xt = activation(x, c);
    at::Tensor rm, rv;
    if (running) rm = channel(running->mean, c), rv = channel(running->var, c);
    const auto result = at::native_batch_norm(xt, channel(p.weight, c), channel(p.bias, c), rm, rv,
                                              !running, 0.0, c.spec.eps);
    return array(std::get<0>(result), x.shape);
  }

  cases::Gradients backward_train(const CaseSpec& c, const Array& x, const Array& dy,
                                  const cases::Affine& p) override {
    return backward(c, x, dy, p, std::nullopt);
  }

  cases::Gradients backward_eval(const CaseSpec& c, const Array& x, const Array& dy,
                                 const cases::Affine& p,
                                 const std::optional<cases::Running>& running) override {
    return backward(c, x, dy, p, running);
  }

 private:
  static cases::Gradients backward(const CaseSpec& c, const Array& x, const Array& dy,
                                   const cases::Affine& p,
                                   const std::optional<cases::Running>& running) {
    const at::Tensor xt = activation(x, c), dyt = activation(dy, c);
    const at::Tensor w = channel(p.weight, c);
    const bool train = !running;
    at::Tensor rm, rv, save_mean, save_invstd;
    if (train) {
      const auto fwd =
          at::native_batch_norm(xt, w, channel(p.bias, c), {}, {}, true, 0.0, c.spec.eps);
      save_mean = std::get<1>(fwd);
      save_invstd = std::get<2>(fwd);
    } else {
      rm = channel(running->mean, c);
      rv = channel(running->var, c);
    }
    const bool affine = !p.weight.empty();
    const auto [dx, dw, db] = at::native_batch_norm_backward(
        dyt, xt, w, rm, rv, save_mean, save_invstd, train, c.spec.eps, {true, affine, affine});
    return {array(dx, x.shape), values(dw), values(db)};
  }
};

TEST(TorchBackend, PassesEveryCaseItCanExpress) {
  const auto set = formats::load_fixture_set({BNCONF_FIXTURES_DIR});
  ASSERT_TRUE(set.errors.empty());
  at::set_num_threads(2);
  TorchBackend backend;
  std::size_t ran = 0, unsupported = 0;
  std::map<std::string, double> worst_by_output;  // "dtype output" -> max error / bound
  double worst = 0;
  std::string worst_at;
  for (const Case& c : set.cases) {
    if (c.spec.operation == Operation::error || c.spec.operation == Operation::pipeline) continue;
    // An empty activation never reaches these kernels in PyTorch (at::batch_norm returns early
    // for numel() == 0); called directly, 1.13's divide by the count (SIGFPE).
    std::size_t elements = 1;
    for (const auto d : c.spec.shape) elements *= d;
    if (elements == 0) {
      ++unsupported;
      continue;
    }
    const cases::Execution run = run_on(backend, c);
    // Not expressible in libtorch, or (an exception of libtorch's) a dtype or layout libtorch
    // 1.13 does not implement on CPU.
    if (run.status == CallStatus::unsupported || !run.internal_error.empty()) {
      ++unsupported;
      continue;
    }
    const Outputs& out = run.outputs;
    ++ran;
    for (const auto& k : check_case(c, out)) {
      if (k.worst_ratio > worst) worst = k.worst_ratio, worst_at = c.spec.id + ":" + k.output;
      double& w = worst_by_output[std::string(ieee::to_string(c.spec.dtype)) + " " + k.output];
      w = std::max(w, k.worst_ratio);
      EXPECT_EQ(k.failures, 0u) << c.spec.id << " " << k.output << k.worst_index << " expected "
                                << k.expected << " actual " << k.actual << " bound " << k.bound
                                << " (x" << k.worst_ratio << ")";
    }
  }
  std::printf("libtorch CPU: %zu cases run, %zu not expressible; worst error/bound %.3g at %s\n",
              ran, unsupported, worst, worst_at.c_str());
  for (const auto& [key, w] : worst_by_output) std::printf("  %-24s %.3g\n", key.c_str(), w);
  EXPECT_GT(ran, 150u);
}

}  // namespace
}  // namespace bnconf::tolerance_testing
