// Cross-check against libtorch (an independent implementation): at::native_batch_norm and
// at::native_batch_norm_backward in double, CPU, on random data for ranks 2 to 5, both memory
// formats, training and inference, a momentum number, momentum None, affine=False and
// track_running_stats=False.
//
// Conventions of the torch side (aten/src/ATen/native/Normalization.cpp, PyTorch 1.13):
//  * native_batch_norm returns (y, save_mean, save_invstd); in training it updates running_mean
//    and running_var in place with new = (1 - m)·old + m·batch, the variance unbiased.
//  * momentum None is a torch.nn module feature: the module passes m = 1/num_batches_tracked
//    after incrementing the counter, which is what the cumulative case below feeds in.
//  * save_invstd uses the InvStd functor: 0 when var == 0 and eps == 0.
//
// Tolerances: torch sums in double with ordinary (recursive / vectorised) summation, whose error
// is bounded by about M·u times the sum of the magnitudes (M values per channel, u = 2^-53); the
// reference is within a few ulp of exact. Each quantity is compared with
// |ref - torch| <= 4·(M + 4)·u·scale, scale being the magnitude that bounds the rounding errors
// of that quantity (stated at each comparison). Any convention difference (biased vs unbiased,
// momentum direction, eps placement) is many orders of magnitude larger.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "bnconf/reference/batch_norm.hpp"
#include "test_support.hpp"

namespace bnconf::reference {
namespace {

using test::channel_vector;
using test::element_count;
using test::tensor_from;
using test::values_of;

constexpr double kUnit = std::numeric_limits<double>::epsilon() / 2;  // u = 2^-53

// ---------------------------------------------------------------------------------------------
// Conversions.

// A torch tensor with the same logical values as `tensor`, stored in `layout` (channels_last for
// rank r is the (N, spatial..., C) row-major order, as torch.channels_last / channels_last_3d).
at::Tensor to_torch(const Tensor& tensor, Layout layout) {
  const Shape shape = shape_of(tensor);
  std::vector<double> values = values_of(tensor);
  const std::vector<int64_t> sizes(shape.begin(), shape.end());
  at::Tensor row_major = at::from_blob(values.data(), sizes, at::kDouble).clone();
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (layout == Layout::channels_first || rank < 3) return row_major;
  std::vector<int64_t> to_last = {0};
  for (int64_t axis = 2; axis < rank; ++axis) to_last.push_back(axis);
  to_last.push_back(1);
  std::vector<int64_t> back(static_cast<std::size_t>(rank));
  for (int64_t k = 0; k < rank; ++k)
    back[static_cast<std::size_t>(to_last[static_cast<std::size_t>(k)])] = k;
  return row_major.permute(to_last).contiguous().permute(back);
}

at::Tensor to_torch(const ChannelVector& vector) {
  std::vector<double> values(vector.begin(), vector.end());
  return at::from_blob(values.data(), {static_cast<int64_t>(values.size())}, at::kDouble).clone();
}

// Logical row-major values of a torch tensor.
std::vector<double> values_of_torch(const at::Tensor& tensor) {
  const at::Tensor dense = tensor.contiguous();
  const double* data = dense.data_ptr<double>();
  return std::vector<double>(data, data + dense.numel());
}

double max_abs(const std::vector<double>& values) {
  double result = 0.0;
  for (double value : values) result = std::max(result, std::abs(value));
  return result;
}

// |reference - torch| <= ulps·u·scale, element by element.
::testing::AssertionResult agree(const std::string& what, const std::vector<double>& reference,
                                 const std::vector<double>& torch, double ulps, double scale) {
  if (reference.size() != torch.size()) {
    return ::testing::AssertionFailure()
           << what << ": size " << reference.size() << " vs torch " << torch.size();
  }
  const double tolerance = ulps * kUnit * scale;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    const double diff = std::abs(reference[i] - torch[i]);
    if (!(diff <= tolerance) && reference[i] != torch[i]) {
      return ::testing::AssertionFailure()
             << what << "[" << i << "]: reference " << reference[i] << " torch " << torch[i]
             << " |diff| " << diff << " > tolerance " << tolerance;
    }
  }
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------------------------------------
// Random cases.

struct Case {
  Shape shape;
  Layout layout;
};

// Ranks 2 to 5, both memory formats (rank 2 has only one).
const std::vector<Case>& all_cases() {
  static const std::vector<Case> cases = {
      {{24, 3}, Layout::channels_first},       {{4, 3, 7}, Layout::channels_first},
      {{4, 3, 7}, Layout::channels_last},      {{3, 4, 5, 3}, Layout::channels_first},
      {{3, 4, 5, 3}, Layout::channels_last},   {{2, 3, 3, 4, 2}, Layout::channels_first},
      {{2, 3, 3, 4, 2}, Layout::channels_last}};
  return cases;
}

// Random data of one case and the checks against torch. (All cases run inside a few gtests:
// every test process pays libtorch's start-up time, about half a second.)
class CrossCheck {
 public:
  explicit CrossCheck(const Case& test_case) : case_(test_case) {
    const Shape& shape = case_.shape;
    channels_ = shape[1];
    values_per_channel_ = element_count(shape) / channels_;
    std::mt19937_64 rng(0x5eed0000u + 17u * shape.size() +
                        (case_.layout == Layout::channels_last ? 1u : 0u));
    std::uniform_real_distribution<double> unit(-1.0, 1.0);
    std::vector<double> offset(channels_), spread(channels_);
    for (std::size_t c = 0; c < channels_; ++c) {
      offset[c] = 3.0 * unit(rng);
      spread[c] = 1.25 + 0.75 * unit(rng);
    }
    std::vector<double> x(element_count(shape)), dy(element_count(shape));
    for (std::size_t flat = 0; flat < x.size(); ++flat) {
      const std::size_t c = test::unravel(flat, shape)[1];
      x[flat] = offset[c] + spread[c] * unit(rng);
      dy[flat] = unit(rng);
    }
    x_ = tensor_from(shape, x, case_.layout);
    dy_ = tensor_from(shape, dy, case_.layout);
    std::vector<double> weight(channels_), bias(channels_), mean(channels_), var(channels_);
    for (std::size_t c = 0; c < channels_; ++c) {
      weight[c] = (c % 2 == 0 ? 1.0 : -1.0) * (1.25 + 0.75 * unit(rng));
      bias[c] = unit(rng);
      mean[c] = unit(rng);
      var[c] = 1.25 + 0.75 * unit(rng);
    }
    params_ = AffineParams{channel_vector(weight), channel_vector(bias)};
    stats_ = RunningStats{channel_vector(mean), channel_vector(var), 3};
    x_torch_ = to_torch(x_, case_.layout);
    dy_torch_ = to_torch(dy_, case_.layout);
    ulps_ = 4.0 * (static_cast<double>(values_per_channel_) + 4.0);
    max_x_ = max_abs(x);
    max_dy_ = max_abs(dy);
  }

  // Forward and backward in training mode with `spec`, against torch with the momentum number
  // `torch_momentum` (the m torch.nn would pass).
  void check_training(const BatchNormSpec& spec, double torch_momentum) {
    const bool affine = spec.affine;
    const bool track = spec.track_running_stats;
    const AffineParams params = affine ? params_ : AffineParams{};
    const std::optional<RunningStats> stats =
        track ? std::optional<RunningStats>(stats_) : std::nullopt;

    const auto ref = forward_train(spec, x_, params, stats);

    const c10::optional<at::Tensor> weight =
        affine ? c10::optional<at::Tensor>(to_torch(params.weight)) : c10::nullopt;
    const c10::optional<at::Tensor> bias =
        affine ? c10::optional<at::Tensor>(to_torch(params.bias)) : c10::nullopt;
    at::Tensor running_mean = to_torch(stats_.mean);
    at::Tensor running_var = to_torch(stats_.var);
    const c10::optional<at::Tensor> rm =
        track ? c10::optional<at::Tensor>(running_mean) : c10::nullopt;
    const c10::optional<at::Tensor> rv =
        track ? c10::optional<at::Tensor>(running_var) : c10::nullopt;
    const auto [y, save_mean, save_invstd] = at::native_batch_norm(
        x_torch_, weight, bias, rm, rv, /*training=*/true, torch_momentum, spec.eps);

    const std::vector<double> invstd = values_of_torch(save_invstd);
    // Largest |γ|·invstd: the factor that carries an error in the mean into y and dx.
    double gain = 0.0;
    for (std::size_t c = 0; c < channels_; ++c) {
      gain = std::max(gain, (affine ? std::abs(params.weight(c)) : 1.0) * invstd[c]);
    }
    const double sqrt_m = std::sqrt(static_cast<double>(values_per_channel_));

    // y: error of the mean (≈ M·u·max|x|) times |γ|·invstd, plus rounding of y itself.
    const std::vector<double> y_torch = values_of_torch(y);
    EXPECT_TRUE(agree("y", values_of(ref.y), y_torch, ulps_, max_abs(y_torch) + gain * max_x_));
    EXPECT_TRUE(
        agree("batch_mean", values_of(ref.batch_mean), values_of_torch(save_mean), ulps_, max_x_));
    EXPECT_TRUE(agree("saved_invstd", values_of(ref.saved_invstd), invstd, ulps_, max_abs(invstd)));
    EXPECT_EQ(layout_of(ref.y), layout_of(x_));

    if (track) {
      ASSERT_TRUE(ref.running.has_value());
      EXPECT_TRUE(agree("running_mean", values_of(ref.running->mean), values_of_torch(running_mean),
                        ulps_, max_x_ + max_abs(values_of(stats_.mean))));
      const std::vector<double> rv_torch = values_of_torch(running_var);
      EXPECT_TRUE(
          agree("running_var", values_of(ref.running->var), rv_torch, ulps_, max_abs(rv_torch)));
      EXPECT_EQ(ref.running->num_batches_tracked, stats_.num_batches_tracked + 1);
    } else {
      EXPECT_FALSE(ref.running.has_value());
      // With no running statistics, inference normalises with the batch statistics too.
      const Tensor y_eval = forward_eval(spec, x_, params, std::nullopt);
      EXPECT_TRUE(agree("y (eval, no running stats)", values_of(y_eval), y_torch, ulps_,
                        max_abs(y_torch) + gain * max_x_));
    }

    // Backward with batch statistics.
    const auto ref_grads = backward_train(spec, x_, dy_, params);
    const auto [dx, dweight, dbias] =
        at::native_batch_norm_backward(dy_torch_, x_torch_, weight, rm, rv, save_mean, save_invstd,
                                       /*train=*/true, spec.eps, {true, affine, affine});
    const std::vector<double> dx_torch = values_of_torch(dx);
    // dx = γ·invstd·(dy - mean(dy) - x̂·mean(dy·x̂)), |x̂| <= sqrt(M).
    EXPECT_TRUE(agree("dx", values_of(ref_grads.dx), dx_torch, ulps_,
                      max_abs(dx_torch) + gain * max_dy_ * (2.0 + sqrt_m)));
    EXPECT_EQ(layout_of(ref_grads.dx), layout_of(x_));
    if (affine) {
      // dγ = Σ dy·x̂: Σ|dy·x̂| <= sqrt(Σdy²·Σx̂²) <= M·max|dy|; dβ = Σ dy: <= M·max|dy|.
      const double sum_scale = static_cast<double>(values_per_channel_) * max_dy_;
      EXPECT_TRUE(agree("dweight", values_of(ref_grads.dweight), values_of_torch(dweight), ulps_,
                        sum_scale * (1.0 + gain * max_x_)));
      EXPECT_TRUE(
          agree("dbias", values_of(ref_grads.dbias), values_of_torch(dbias), ulps_, sum_scale));
    } else {
      EXPECT_EQ(ref_grads.dweight.size(), 0u);
      EXPECT_EQ(ref_grads.dbias.size(), 0u);
    }
    if (!track) {
      // backward_eval without running statistics is backward_train.
      const auto eval_grads = backward_eval(spec, x_, dy_, params, std::nullopt);
      EXPECT_EQ(values_of(eval_grads.dx), values_of(ref_grads.dx));
    }
  }

  // Inference with frozen running statistics.
  void check_inference(const BatchNormSpec& spec) {
    const bool affine = spec.affine;
    const AffineParams params = affine ? params_ : AffineParams{};
    const c10::optional<at::Tensor> weight =
        affine ? c10::optional<at::Tensor>(to_torch(params.weight)) : c10::nullopt;
    const c10::optional<at::Tensor> bias =
        affine ? c10::optional<at::Tensor>(to_torch(params.bias)) : c10::nullopt;
    const at::Tensor running_mean = to_torch(stats_.mean);
    const at::Tensor running_var = to_torch(stats_.var);

    const Tensor y_ref = forward_eval(spec, x_, params, stats_);
    const auto [y, save_mean, save_invstd] = at::native_batch_norm(
        x_torch_, weight, bias, running_mean, running_var, /*training=*/false, 0.1, spec.eps);
    double gain = 0.0;
    for (std::size_t c = 0; c < channels_; ++c) {
      gain = std::max(
          gain, (affine ? std::abs(params.weight(c)) : 1.0) / std::sqrt(stats_.var(c) + spec.eps));
    }
    const std::vector<double> y_torch = values_of_torch(y);
    EXPECT_TRUE(agree("y (eval)", values_of(y_ref), y_torch, ulps_,
                      max_abs(y_torch) + gain * (max_x_ + 1.0)));
    EXPECT_EQ(layout_of(y_ref), layout_of(x_));
    // Running statistics are inputs only.
    EXPECT_EQ(values_of_torch(running_mean), values_of(stats_.mean));

    const auto ref_grads = backward_eval(spec, x_, dy_, params, stats_);
    const auto [dx, dweight, dbias] = at::native_batch_norm_backward(
        dy_torch_, x_torch_, weight, running_mean, running_var, c10::nullopt, c10::nullopt,
        /*train=*/false, spec.eps, {true, affine, affine});
    const std::vector<double> dx_torch = values_of_torch(dx);
    EXPECT_TRUE(agree("dx (eval)", values_of(ref_grads.dx), dx_torch, ulps_,
                      max_abs(dx_torch) + gain * max_dy_));
    if (affine) {
      const double sum_scale = static_cast<double>(values_per_channel_) * max_dy_;
      EXPECT_TRUE(agree("dweight (eval)", values_of(ref_grads.dweight), values_of_torch(dweight),
                        ulps_, sum_scale * gain * (max_x_ + 1.0)));
      EXPECT_TRUE(agree("dbias (eval)", values_of(ref_grads.dbias), values_of_torch(dbias), ulps_,
                        sum_scale));
    }
  }

 private:
  Case case_;
  std::size_t channels_ = 0;
  std::size_t values_per_channel_ = 0;
  Tensor x_, dy_;
  AffineParams params_;
  RunningStats stats_;
  at::Tensor x_torch_, dy_torch_;
  double ulps_ = 0.0;
  double max_x_ = 0.0;
  double max_dy_ = 0.0;
};

// Runs `check` on every case, each under a trace naming its shape and layout.
template <class Check>
void for_each_case(Check&& check) {
  for (const Case& test_case : all_cases()) {
    SCOPED_TRACE("shape " + format_shape(test_case.shape) + " " +
                 std::string(to_string(test_case.layout)));
    CrossCheck cross_check(test_case);
    check(cross_check);
  }
}

TEST(TorchCrossCheck, TrainingWithMomentumNumberMatchesNativeBatchNorm) {
  for_each_case([](CrossCheck& c) { c.check_training(preset("pytorch"), 0.1); });
}

TEST(TorchCrossCheck, TrainingWithMomentumNoneMatchesTorchWithOneOverCount) {
  // num_batches_tracked is 3 before the step, 4 after: torch.nn passes m = 1/4.
  BatchNormSpec spec = preset("pytorch");
  spec.momentum = std::nullopt;
  for_each_case([&](CrossCheck& c) { c.check_training(spec, 1.0 / 4.0); });
}

TEST(TorchCrossCheck, TrainingWithoutAffineMatchesNativeBatchNorm) {
  BatchNormSpec spec = preset("pytorch");
  spec.affine = false;
  for_each_case([&](CrossCheck& c) { c.check_training(spec, 0.1); });
}

TEST(TorchCrossCheck, TrainingWithoutRunningStatsMatchesNativeBatchNorm) {
  BatchNormSpec spec = preset("pytorch");
  spec.track_running_stats = false;
  for_each_case([&](CrossCheck& c) { c.check_training(spec, 0.1); });
}

TEST(TorchCrossCheck, InferenceMatchesNativeBatchNorm) {
  for_each_case([](CrossCheck& c) { c.check_inference(preset("pytorch")); });
}

TEST(TorchCrossCheck, InferenceWithoutAffineMatchesNativeBatchNorm) {
  BatchNormSpec spec = preset("pytorch");
  spec.affine = false;
  for_each_case([&](CrossCheck& c) { c.check_inference(spec); });
}

// ---------------------------------------------------------------------------------------------
// eps = 0 with a constant channel: torch's InvStd gives save_invstd 0, so that channel's output
// is β and its input and weight gradients are 0. The reference follows the same rule.
TEST(TorchEpsZero, ConstantChannelMatchesTorchInvStdRule) {
  const Shape shape = {2, 3, 2, 2};
  std::vector<double> x(24), dy(24);
  for (std::size_t flat = 0; flat < x.size(); ++flat) {
    const std::size_t c = test::unravel(flat, shape)[1];
    x[flat] = c == 1 ? 7.25 : 0.5 * static_cast<double>(flat % 7) - 1.0;
    dy[flat] = 0.25 * static_cast<double>(flat % 5) - 0.5;
  }
  BatchNormSpec spec = preset("pytorch");
  spec.eps = 0.0;
  const AffineParams params{channel_vector({1.5, -2.0, 0.75}), channel_vector({0.1, 0.2, 0.3})};
  const RunningStats stats{channel_vector({0, 0, 0}), channel_vector({1, 1, 1}), 0};
  for (Layout layout : {Layout::channels_first, Layout::channels_last}) {
    const Tensor x_ref = tensor_from(shape, x, layout);
    const auto ref = forward_train(spec, x_ref, params, stats);
    at::Tensor running_mean = to_torch(stats.mean);
    at::Tensor running_var = to_torch(stats.var);
    const at::Tensor x_torch = to_torch(x_ref, layout);
    const at::Tensor weight = to_torch(params.weight);
    const auto [y, save_mean, save_invstd] = at::native_batch_norm(
        x_torch, weight, to_torch(params.bias), running_mean, running_var, true, 0.1, 0.0);

    const std::vector<double> invstd_torch = values_of_torch(save_invstd);
    EXPECT_EQ(invstd_torch[1], 0.0);  // torch's rule
    EXPECT_EQ(ref.saved_invstd(1), 0.0);
    const std::vector<double> y_ref = values_of(ref.y);
    const std::vector<double> y_torch = values_of_torch(y);
    for (std::size_t flat = 0; flat < y_ref.size(); ++flat) {
      if (test::unravel(flat, shape)[1] != 1) continue;
      EXPECT_EQ(y_torch[flat], 0.2);  // β
      EXPECT_EQ(y_ref[flat], 0.2);
    }
    EXPECT_TRUE(agree("y", y_ref, y_torch, 64, max_abs(y_torch) + 10.0));
    EXPECT_TRUE(
        agree("running_var", values_of(ref.running->var), values_of_torch(running_var), 64, 2.0));

    const Tensor dy_ref = tensor_from(shape, dy, layout);
    const auto grads = backward_train(spec, x_ref, dy_ref, params);
    const auto [dx, dweight, dbias] = at::native_batch_norm_backward(
        to_torch(dy_ref, layout), x_torch, weight, running_mean, running_var, save_mean,
        save_invstd, true, 0.0, {true, true, true});
    const std::vector<double> dx_ref = values_of(grads.dx);
    const std::vector<double> dx_torch = values_of_torch(dx);
    for (std::size_t flat = 0; flat < dx_ref.size(); ++flat) {
      if (test::unravel(flat, shape)[1] != 1) continue;
      EXPECT_EQ(dx_torch[flat], 0.0);
      EXPECT_EQ(dx_ref[flat], 0.0);
    }
    EXPECT_TRUE(agree("dx", dx_ref, dx_torch, 64, max_abs(dx_torch) + 20.0));
    EXPECT_EQ(values_of_torch(dweight)[1], 0.0);
    EXPECT_EQ(grads.dweight(1), 0.0);
    EXPECT_TRUE(agree("dweight", values_of(grads.dweight), values_of_torch(dweight), 64, 20.0));
    EXPECT_TRUE(agree("dbias", values_of(grads.dbias), values_of_torch(dbias), 64, 20.0));
  }
}

// ---------------------------------------------------------------------------------------------
// Empty batch: at::batch_norm returns an empty output and leaves the running statistics alone
// (_batch_norm_impl_index returns early when input.numel() == 0); torch.nn still increments
// num_batches_tracked before calling it.
TEST(TorchEmptyBatch, OutputIsEmptyAndRunningStatisticsAreUnchanged) {
  const Tensor x = make_tensor({0, 3, 2}, Layout::channels_first);
  const RunningStats stats{channel_vector({0.5, -1.0, 2.0}), channel_vector({1.5, 2.0, 0.25}), 2};
  const auto ref = forward_train(preset("pytorch"), x, default_affine(3), stats);

  at::Tensor running_mean = to_torch(stats.mean);
  at::Tensor running_var = to_torch(stats.var);
  const at::Tensor y =
      at::batch_norm(to_torch(x, Layout::channels_first), to_torch(default_affine(3).weight),
                     to_torch(default_affine(3).bias), running_mean, running_var,
                     /*training=*/true, 0.1, 1e-5, /*cudnn_enabled=*/false);
  EXPECT_EQ(y.numel(), 0);
  EXPECT_EQ(shape_of(ref.y), (Shape{0, 3, 2}));
  ASSERT_TRUE(ref.running.has_value());
  EXPECT_EQ(values_of(ref.running->mean), values_of_torch(running_mean));
  EXPECT_EQ(values_of(ref.running->var), values_of_torch(running_var));
  EXPECT_EQ(values_of_torch(running_mean), values_of(stats.mean));  // torch: untouched
  EXPECT_EQ(ref.running->num_batches_tracked, 3);                   // torch.nn: incremented
}

// N > 0 with a spatial extent of 0 is an empty batch to at::batch_norm too (numel() == 0), on the
// last spatial axis or an inner one: docs/semantics.md, "Degenerate inputs".
TEST(TorchEmptyBatch, ZeroSpatialExtentIsAnEmptyBatchToo) {
  for (const Shape& shape : {Shape{2, 3, 0}, Shape{2, 3, 0, 2}}) {
    const Tensor x = make_tensor(shape, Layout::channels_first);
    const RunningStats stats{channel_vector({0.5, -1.0, 2.0}), channel_vector({1.5, 2.0, 0.25}), 2};
    const auto ref = forward_train(preset("pytorch"), x, default_affine(3), stats);

    at::Tensor running_mean = to_torch(stats.mean);
    at::Tensor running_var = to_torch(stats.var);
    const at::Tensor y =
        at::batch_norm(to_torch(x, Layout::channels_first), to_torch(default_affine(3).weight),
                       to_torch(default_affine(3).bias), running_mean, running_var,
                       /*training=*/true, 0.1, 1e-5, /*cudnn_enabled=*/false);
    EXPECT_EQ(y.sizes().vec(), std::vector<int64_t>(shape.begin(), shape.end()));
    EXPECT_EQ(shape_of(ref.y), shape);
    ASSERT_TRUE(ref.running.has_value());
    EXPECT_EQ(values_of_torch(running_mean), values_of(stats.mean));  // torch: untouched
    EXPECT_EQ(values_of_torch(running_var), values_of(stats.var));
    EXPECT_EQ(values_of(ref.running->mean), values_of(stats.mean));
    EXPECT_EQ(values_of(ref.running->var), values_of(stats.var));
  }
}

}  // namespace
}  // namespace bnconf::reference
