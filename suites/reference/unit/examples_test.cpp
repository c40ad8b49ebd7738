// Small examples whose results are derived by hand in the comments (never taken from the code
// under test). Notation: M values per channel, mean μ, biased variance σ²_b = Σ(x-μ)²/M, unbiased
// σ²_u = Σ(x-μ)²/(M-1), invstd = 1/sqrt(σ²_b + eps), x̂ = (x-μ)·invstd, y = γ·x̂ + β.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <optional>
#include <vector>

#include "bnconf/reference/batch_norm.hpp"
#include "test_support.hpp"

namespace bnconf::reference {
namespace {

using test::affine;
using test::all_near_ulps;
using test::near_ulps;
using test::running;
using test::tensor_from;
using test::values_of;

// Tolerance in ulps for results the reference promises within "a few ulp"; the expected values
// below are themselves computed with at most a couple of roundings.
constexpr double kFewUlps = 4;

BatchNormSpec with_eps(const char* name, double eps) {
  BatchNormSpec spec = preset(name);
  spec.eps = eps;
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Training forward.

// x = [[1], [3]], shape (2, 1), PyTorch preset: M = 2, μ = 2, σ²_b = ((-1)² + 1²)/2 = 1,
// σ²_u = 2/1 = 2, invstd = 1/sqrt(1 + 1e-5), y = (x - 2)·invstd = [-invstd, +invstd].
// Running (m = 0.1, weights_batch, from mean 0 / var 1): mean 0.9·0 + 0.1·2 = 0.2,
// var 0.9·1 + 0.1·2 = 1.1, num_batches_tracked 0 → 1.
TEST(TrainForwardByHand, TwoValuesOneChannelPytorch) {
  const Tensor x = tensor_from({2, 1}, {1.0, 3.0});
  const auto result =
      forward_train(preset("pytorch"), x, default_affine(1), default_running_stats(1));
  const double invstd = 1.0 / std::sqrt(1.0 + 1e-5);
  EXPECT_TRUE(near_ulps(result.batch_mean(0), 2.0, 1));
  EXPECT_TRUE(near_ulps(result.batch_var(0), 1.0, 1));
  EXPECT_TRUE(near_ulps(result.saved_invstd(0), invstd, 2));
  EXPECT_EQ(shape_of(result.y), (Shape{2, 1}));
  EXPECT_TRUE(all_near_ulps(values_of(result.y), {-invstd, invstd}, kFewUlps));
  ASSERT_TRUE(result.running.has_value());
  EXPECT_TRUE(near_ulps(result.running->mean(0), 0.2, kFewUlps));
  EXPECT_TRUE(near_ulps(result.running->var(0), 1.1, kFewUlps));
  EXPECT_EQ(result.running->num_batches_tracked, 1);
}

// x = [1, 2, 6] in one channel, shape (1, 1, 3) (N = 1 but three values per channel).
// μ = 3, deviations -2, -1, 3, Σ dev² = 4 + 1 + 9 = 14, σ²_b = 14/3, σ²_u = 14/2 = 7.
// y = [-2, -1, 3] / sqrt(14/3 + eps).
const Tensor& one_two_six() {
  static const Tensor x = tensor_from({1, 1, 3}, {1.0, 2.0, 6.0});
  return x;
}

void expect_batch_statistics_of_one_two_six(const ForwardTrainResult& result, double eps) {
  EXPECT_TRUE(near_ulps(result.batch_mean(0), 3.0, 1));
  EXPECT_TRUE(near_ulps(result.batch_var(0), 14.0 / 3.0, 1));
  const double invstd = 1.0 / std::sqrt(14.0 / 3.0 + eps);
  EXPECT_TRUE(near_ulps(result.saved_invstd(0), invstd, 2));
  EXPECT_TRUE(all_near_ulps(values_of(result.y), {-2 * invstd, -invstd, 3 * invstd}, kFewUlps));
}

// PyTorch: mean 0.9·0 + 0.1·3 = 0.3; var (unbiased 7) 0.9·1 + 0.1·7 = 1.6.
TEST(RunningUpdateByHand, PytorchUsesUnbiasedVarianceAndWeightsTheBatch) {
  const auto result =
      forward_train(preset("pytorch"), one_two_six(), default_affine(1), default_running_stats(1));
  expect_batch_statistics_of_one_two_six(result, 1e-5);
  ASSERT_TRUE(result.running.has_value());
  EXPECT_TRUE(near_ulps(result.running->mean(0), 0.3, kFewUlps));
  EXPECT_TRUE(near_ulps(result.running->var(0), 1.6, kFewUlps));
  EXPECT_EQ(result.running->num_batches_tracked, 1);
}

// ONNX: new = m·old + (1 - m)·batch with m = 0.9 and the population variance 14/3:
// mean 0.9·0 + 0.1·3 = 0.3; var 0.9·1 + 0.1·14/3 = 0.9 + 7/15 = 41/30 = 1.3666...
// (With m the double nearest 0.9, 1 - m = 0.09999999999999997780 exactly, so the mean is
// (1 - m)·3, about 1 ulp below the double nearest 0.3; see the Keras case.)
TEST(RunningUpdateByHand, OnnxUsesPopulationVarianceAndWeightsTheRunningValue) {
  const auto result =
      forward_train(preset("onnx"), one_two_six(), default_affine(1), default_running_stats(1));
  expect_batch_statistics_of_one_two_six(result, 1e-5);
  ASSERT_TRUE(result.running.has_value());
  EXPECT_TRUE(near_ulps(result.running->mean(0), (1.0 - 0.9) * 3.0, 1));
  EXPECT_TRUE(near_ulps(result.running->var(0), 41.0 / 30.0, kFewUlps));
}

// Keras: m = 0.99, eps = 1e-3, population variance. The momentum is the double nearest 0.99,
// m = 0.98999999999999999112, so 1 - m = 0.01000000000000000888 (exact in double by Sterbenz's
// lemma, computed below as 1.0 - 0.99), not 0.01: mean = (1 - m)·3 = 0.030000000000000027
// (one rounding), 8 ulps above the double nearest 0.03. The variance
// m·1 + (1 - m)·14/3 ≈ 0.99 + 7/150 = 311/300 = 1.03666...
TEST(RunningUpdateByHand, KerasUsesPopulationVarianceWithMomentum099) {
  const auto result =
      forward_train(preset("keras"), one_two_six(), default_affine(1), default_running_stats(1));
  expect_batch_statistics_of_one_two_six(result, 1e-3);
  ASSERT_TRUE(result.running.has_value());
  const double one_minus_m = 1.0 - 0.99;  // exact
  EXPECT_TRUE(near_ulps(result.running->mean(0), one_minus_m * 3.0, 1));
  EXPECT_TRUE(near_ulps(result.running->var(0), 311.0 / 300.0, kFewUlps));
}

// TF FusedBatchNormV3 with exponential_avg_factor 1: new = 0·old + 1·batch, so the running values
// are the batch mean 3 and the Bessel-corrected variance 14/2 = 7.
TEST(RunningUpdateByHand, TfFusedWithFactorOneReturnsTheBatchStatistics) {
  const auto result =
      forward_train(preset("tf_fused"), one_two_six(), default_affine(1), running({10.0}, {20.0}));
  expect_batch_statistics_of_one_two_six(result, 1e-4);
  ASSERT_TRUE(result.running.has_value());
  EXPECT_TRUE(near_ulps(result.running->mean(0), 3.0, kFewUlps));
  EXPECT_TRUE(near_ulps(result.running->var(0), 7.0, kFewUlps));
}

// Momentum 0 (weights_batch) keeps the old values; momentum 1 replaces them by the batch's.
// The counter still counts the batch.
TEST(RunningUpdateByHand, MomentumZeroKeepsAndMomentumOneReplaces) {
  BatchNormSpec keep = preset("pytorch");
  keep.momentum = 0.0;
  const auto kept =
      forward_train(keep, one_two_six(), default_affine(1), running({-4.0}, {9.0}, 6));
  ASSERT_TRUE(kept.running.has_value());
  EXPECT_EQ(kept.running->mean(0), -4.0);
  EXPECT_EQ(kept.running->var(0), 9.0);
  EXPECT_EQ(kept.running->num_batches_tracked, 7);

  BatchNormSpec replace = preset("pytorch");
  replace.momentum = 1.0;
  const auto replaced =
      forward_train(replace, one_two_six(), default_affine(1), running({-4.0}, {9.0}));
  ASSERT_TRUE(replaced.running.has_value());
  EXPECT_TRUE(near_ulps(replaced.running->mean(0), 3.0, 1));
  EXPECT_TRUE(near_ulps(replaced.running->var(0), 7.0, 1));  // unbiased
}

// weights_running with m = 1: new = 1·old + 0·batch keeps the old values.
TEST(RunningUpdateByHand, WeightsRunningWithMomentumOneKeepsTheOldValues) {
  BatchNormSpec spec = preset("onnx");
  spec.momentum = 1.0;
  const auto result = forward_train(spec, one_two_six(), default_affine(1), running({-4.0}, {9.0}));
  ASSERT_TRUE(result.running.has_value());
  EXPECT_EQ(result.running->mean(0), -4.0);
  EXPECT_EQ(result.running->var(0), 9.0);
}

// ---------------------------------------------------------------------------------------------
// momentum = None: cumulative average, m = 1/num_batches_tracked after the increment.
//
// batch 1: x = [1, 3]: μ 2, σ²_u (1+1)/1 = 2;   m = 1/1 → mean 2,                var 2
// batch 2: x = [3, 7]: μ 5, σ²_u (4+4)/1 = 8;   m = 1/2 → mean (2+5)/2 = 3.5,    var (2+8)/2 = 5
// batch 3: x = [0, 6]: μ 3, σ²_u (9+9)/1 = 18;  m = 1/3 → mean 3.5·2/3 + 3/3 = 10/3,
//                                                          var 5·2/3 + 18/3 = 28/3
// i.e. the plain averages of (2, 5, 3) and (2, 8, 18).
void expect_cumulative_average_over_three_batches(const BatchNormSpec& spec) {
  const std::vector<std::vector<double>> batches = {{1, 3}, {3, 7}, {0, 6}};
  const std::vector<double> means = {2.0, 3.5, 10.0 / 3.0};
  const std::vector<double> vars = {2.0, 5.0, 28.0 / 3.0};
  RunningStats stats = default_running_stats(1);
  for (std::size_t step = 0; step < batches.size(); ++step) {
    const auto result =
        forward_train(spec, tensor_from({2, 1}, batches[step]), default_affine(1), stats);
    ASSERT_TRUE(result.running.has_value());
    stats = *result.running;
    EXPECT_EQ(stats.num_batches_tracked, static_cast<std::int64_t>(step + 1));
    EXPECT_TRUE(near_ulps(stats.mean(0), means[step], 8)) << "step " << step + 1;
    EXPECT_TRUE(near_ulps(stats.var(0), vars[step], 8)) << "step " << step + 1;
  }
}

TEST(CumulativeAverageByHand, PytorchWithMomentumNoneAveragesThreeBatches) {
  BatchNormSpec spec = preset("pytorch");
  spec.momentum = std::nullopt;
  expect_cumulative_average_over_three_batches(spec);
}

TEST(CumulativeAverageByHand, CudnnPresetAveragesThreeBatches) {
  expect_cumulative_average_over_three_batches(preset("cudnn"));
}

// Resuming at num_batches_tracked = 4: m = 1/5. Old mean 1, var 3; batch x = [5, 7]: μ 6,
// σ²_u 2. mean 1·4/5 + 6/5 = 2; var 3·4/5 + 2/5 = 2.8; counter 5.
TEST(CumulativeAverageByHand, ResumedCounterGivesFactorOneOverCountPlusOne) {
  const auto result = forward_train(preset("cudnn"), tensor_from({2, 1}, {5.0, 7.0}),
                                    default_affine(1), running({1.0}, {3.0}, 4));
  ASSERT_TRUE(result.running.has_value());
  EXPECT_EQ(result.running->num_batches_tracked, 5);
  EXPECT_TRUE(near_ulps(result.running->mean(0), 2.0, 8));
  EXPECT_TRUE(near_ulps(result.running->var(0), 2.8, 8));
}

// ---------------------------------------------------------------------------------------------
// One value per channel where it is allowed: x = [[5, -3]], shape (1, 2).
// μ = x, σ²_b = 0, so y = γ·0 + β = β.

// TF fused (CPU): Bessel factor M/max(M-1, 1) = 1/1, so the running variance is 0; factor 1
// makes running = batch: mean [5, -3], var [0, 0]. invstd = 1/sqrt(0 + 1e-4) = 100.
TEST(OneValuePerChannelByHand, TfFusedClampsTheBesselFactor) {
  const auto result = forward_train(preset("tf_fused"), tensor_from({1, 2}, {5.0, -3.0}),
                                    affine({2.0, 3.0}, {0.25, -0.5}), default_running_stats(2));
  EXPECT_TRUE(all_near_ulps(values_of(result.y), {0.25, -0.5}, 0));
  EXPECT_TRUE(all_near_ulps(test::values_of(result.saved_invstd), {100.0, 100.0}, 2));
  ASSERT_TRUE(result.running.has_value());
  EXPECT_TRUE(all_near_ulps(values_of(result.running->mean), {5.0, -3.0}, 1));
  EXPECT_TRUE(all_near_ulps(values_of(result.running->var), {0.0, 0.0}, 0));
}

// ONNX: population variance 0; mean 0.1·[5, -3] = [0.5, -0.3]; var 0.9·1 + 0.1·0 = 0.9.
TEST(OneValuePerChannelByHand, OnnxUsesThePopulationVarianceZero) {
  const auto result = forward_train(preset("onnx"), tensor_from({1, 2}, {5.0, -3.0}),
                                    default_affine(2), default_running_stats(2));
  ASSERT_TRUE(result.running.has_value());
  EXPECT_TRUE(all_near_ulps(values_of(result.running->mean), {0.5, -0.3}, kFewUlps));
  EXPECT_TRUE(all_near_ulps(values_of(result.running->var), {0.9, 0.9}, kFewUlps));
}

// ---------------------------------------------------------------------------------------------
// eps = 0 and a constant channel: σ²_b + eps = 0, so invstd is 0 (PyTorch's InvStd functor:
// invstd = 0 when var == 0 and eps == 0) and y = γ·(x - μ)·0 + β = β exactly.
//
// x shape (4, 2): channel 0 = [5, 5, 5, 5]; channel 1 = [1, 3, 1, 3] (μ 2, σ²_b 1, invstd 1,
// x̂ = [-1, 1, -1, 1]). γ = [2, 0.5], β = [0.5, -1]:
//   y channel 0 = 0.5 everywhere; y channel 1 = 0.5·x̂ - 1 = [-1.5, -0.5, -1.5, -0.5].
// Running (PyTorch, m = 0.1): channel 0 mean 0.5, var 0.9·1 + 0.1·0 = 0.9;
//   channel 1 mean 0.2, var 0.9 + 0.1·(4/3) = 31/30.
const Tensor& constant_and_varying_channels() {
  static const Tensor x = tensor_from({4, 2}, {5, 1, 5, 3, 5, 1, 5, 3});
  return x;
}

TEST(EpsZeroByHand, ConstantChannelHasInvstdZeroAndOutputsBeta) {
  const auto result = forward_train(with_eps("pytorch", 0.0), constant_and_varying_channels(),
                                    affine({2.0, 0.5}, {0.5, -1.0}), default_running_stats(2));
  EXPECT_EQ(result.batch_var(0), 0.0);
  EXPECT_EQ(result.saved_invstd(0), 0.0);
  EXPECT_TRUE(near_ulps(result.saved_invstd(1), 1.0, 1));
  EXPECT_TRUE(all_near_ulps(values_of(result.y), {0.5, -1.5, 0.5, -0.5, 0.5, -1.5, 0.5, -0.5},
                            kFewUlps, 1.0));
  for (double value : values_of(result.y)) EXPECT_FALSE(std::isnan(value));
  ASSERT_TRUE(result.running.has_value());
  EXPECT_TRUE(all_near_ulps(values_of(result.running->mean), {0.5, 0.2}, kFewUlps));
  EXPECT_TRUE(all_near_ulps(values_of(result.running->var), {0.9, 31.0 / 30.0}, kFewUlps));
}

// Backward of the same: channel 0 has x̂ = 0 and invstd = 0, so dx = γ·0·(...) = 0,
// dγ = Σ dy·x̂ = 0 and dβ = Σ dy = 1 + 2 + 3 + 4 = 10.
TEST(EpsZeroByHand, ConstantChannelBackwardGivesZeroInputAndWeightGradients) {
  // dy row-major (n, c): channel 0 = [1, 2, 3, 4], channel 1 = 0.
  const Tensor dy = tensor_from({4, 2}, {1, 0, 2, 0, 3, 0, 4, 0});
  const auto grads = backward_train(with_eps("pytorch", 0.0), constant_and_varying_channels(), dy,
                                    affine({2.0, 0.5}, {0.5, -1.0}));
  const std::vector<double> dx = values_of(grads.dx);
  for (std::size_t n = 0; n < 4; ++n) {
    EXPECT_EQ(dx[2 * n], 0.0) << "n " << n;
    EXPECT_FALSE(std::isnan(dx[2 * n + 1]));
  }
  EXPECT_EQ(grads.dweight(0), 0.0);
  EXPECT_TRUE(near_ulps(grads.dbias(0), 10.0, 0));
}

// ---------------------------------------------------------------------------------------------
// Backward with batch statistics, shape (N=2, C=2, L=2), eps = 0, γ = [2, 0.5].
//   dx = γ·invstd·(dy - mean(dy) - x̂·mean(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy.
//
// Channel 0: x = [0, 0, 2, 2] (order n0l0, n0l1, n1l0, n1l1): μ 1, σ²_b 1, invstd 1,
//   x̂ = [-1, -1, 1, 1]; dy = [1, 0, 0, 0]: mean(dy) = 1/4, mean(dy·x̂) = -1/4.
//   dx = 2·(dy - 1/4 + x̂/4) = 2·[1/2, -1/2, 0, 0] = [1, -1, 0, 0]; dγ = -1; dβ = 1.
// Channel 1: x = [1, 3, 1, 3]: μ 2, σ²_b 1, invstd 1, x̂ = [-1, 1, -1, 1]; dy = [0, 0, 0, 2]:
//   mean(dy) = 1/2, mean(dy·x̂) = 1/2.
//   dx = 0.5·(dy - 1/2 - x̂/2) = 0.5·[0, -1, 0, 1] = [0, -0.5, 0, 0.5]; dγ = 2; dβ = 2.
// Both satisfy Σ dx = 0 and Σ dx·x̂ = 0.
// Row-major (n, c, l): x = [0,0, 1,3, 2,2, 1,3], dy = [1,0, 0,0, 0,0, 0,2],
//                      dx = [1,-1, 0,-0.5, 0,0, 0,0.5].
const Shape kBackwardShape = {2, 2, 2};
const std::vector<double> kBackwardX = {0, 0, 1, 3, 2, 2, 1, 3};
const std::vector<double> kBackwardDy = {1, 0, 0, 0, 0, 0, 0, 2};
const std::vector<double> kBackwardDx = {1, -1, 0, -0.5, 0, 0, 0, 0.5};

TEST(TrainBackwardByHand, TwoChannelsWithExactValues) {
  const auto grads =
      backward_train(with_eps("pytorch", 0.0), tensor_from(kBackwardShape, kBackwardX),
                     tensor_from(kBackwardShape, kBackwardDy), affine({2.0, 0.5}, {10.0, 20.0}));
  EXPECT_TRUE(all_near_ulps(values_of(grads.dx), kBackwardDx, kFewUlps, 1.0));
  EXPECT_TRUE(all_near_ulps(values_of(grads.dweight), {-1.0, 2.0}, kFewUlps));
  EXPECT_TRUE(all_near_ulps(values_of(grads.dbias), {1.0, 2.0}, 0));
}

// Forward of the same input: y = γ·x̂ + β with β = [10, 20]:
// channel 0: 2·[-1,-1,1,1] + 10 = [8, 8, 12, 12]; channel 1: 0.5·[-1,1,-1,1] + 20.
TEST(TrainForwardByHand, TwoChannelsWithExactValues) {
  const auto result =
      forward_train(with_eps("pytorch", 0.0), tensor_from(kBackwardShape, kBackwardX),
                    affine({2.0, 0.5}, {10.0, 20.0}), default_running_stats(2));
  EXPECT_TRUE(all_near_ulps(values_of(result.y), {8, 8, 19.5, 20.5, 12, 12, 19.5, 20.5}, kFewUlps));
  EXPECT_TRUE(all_near_ulps(values_of(result.batch_mean), {1.0, 2.0}, 0));
  EXPECT_TRUE(all_near_ulps(values_of(result.batch_var), {1.0, 1.0}, 0));
  EXPECT_TRUE(all_near_ulps(values_of(result.saved_invstd), {1.0, 1.0}, 0));
}

// ---------------------------------------------------------------------------------------------
// Inference: frozen running statistics. running_mean 1, running_var 3, eps 1 → invstd
// 1/sqrt(4) = 0.5. x = [1, 3, 5], γ = 4, β = 1:
//   y = 4·(x - 1)·0.5 + 1 = [1, 5, 9];
//   dy = [1, 2, 3]: dx = dy·γ·invstd = [2, 4, 6]; dγ = Σ dy·(x-1)·0.5 = 0.5·(0 + 4 + 12) = 8;
//   dβ = 6.
TEST(EvalByHand, ForwardUsesTheRunningStatistics) {
  const Tensor y = forward_eval(with_eps("pytorch", 1.0), tensor_from({3, 1}, {1, 3, 5}),
                                affine({4.0}, {1.0}), running({1.0}, {3.0}));
  EXPECT_TRUE(all_near_ulps(values_of(y), {1.0, 5.0, 9.0}, kFewUlps));
}

TEST(EvalByHand, BackwardTreatsTheStatisticsAsConstants) {
  const auto grads =
      backward_eval(with_eps("pytorch", 1.0), tensor_from({3, 1}, {1, 3, 5}),
                    tensor_from({3, 1}, {1, 2, 3}), affine({4.0}, {1.0}), running({1.0}, {3.0}));
  EXPECT_TRUE(all_near_ulps(values_of(grads.dx), {2.0, 4.0, 6.0}, kFewUlps));
  EXPECT_TRUE(all_near_ulps(values_of(grads.dweight), {8.0}, kFewUlps));
  EXPECT_TRUE(all_near_ulps(values_of(grads.dbias), {6.0}, 0));
}

// Eval with the PyTorch eps: y = (x - 1)/sqrt(3 + 1e-5) for γ = 1, β = 0.
TEST(EvalByHand, ForwardWithDefaultEps) {
  const Tensor y = forward_eval(preset("pytorch"), tensor_from({2, 1}, {1, 4}), default_affine(1),
                                running({1.0}, {3.0}));
  EXPECT_TRUE(all_near_ulps(values_of(y), {0.0, 3.0 / std::sqrt(3.0 + 1e-5)}, kFewUlps, 1.0));
}

// ---------------------------------------------------------------------------------------------
// track_running_stats = false: batch statistics in both modes, nothing returned to update.

TEST(NoRunningStatsByHand, TrainReturnsNoRunningStatistics) {
  BatchNormSpec spec = preset("pytorch");
  spec.track_running_stats = false;
  const auto result =
      forward_train(spec, tensor_from({2, 1}, {1, 3}), default_affine(1), std::nullopt);
  EXPECT_FALSE(result.running.has_value());
  const double invstd = 1.0 / std::sqrt(1.0 + 1e-5);
  EXPECT_TRUE(all_near_ulps(values_of(result.y), {-invstd, invstd}, kFewUlps));
}

// Eval normalises with the batch: x = [1, 3] gives the same ∓1/sqrt(1 + eps) as training.
TEST(NoRunningStatsByHand, EvalNormalisesWithTheBatchStatistics) {
  BatchNormSpec spec = preset("pytorch");
  spec.track_running_stats = false;
  const Tensor y = forward_eval(spec, tensor_from({2, 1}, {1, 3}), default_affine(1), std::nullopt);
  const double invstd = 1.0 / std::sqrt(1.0 + 1e-5);
  EXPECT_TRUE(all_near_ulps(values_of(y), {-invstd, invstd}, kFewUlps));
}

// Eval backward then differentiates through the batch statistics: the hand example above.
TEST(NoRunningStatsByHand, EvalBackwardIsTheBatchStatisticsBackward) {
  BatchNormSpec spec = with_eps("pytorch", 0.0);
  spec.track_running_stats = false;
  const auto grads = backward_eval(spec, tensor_from(kBackwardShape, kBackwardX),
                                   tensor_from(kBackwardShape, kBackwardDy),
                                   affine({2.0, 0.5}, {10.0, 20.0}), std::nullopt);
  EXPECT_TRUE(all_near_ulps(values_of(grads.dx), kBackwardDx, kFewUlps, 1.0));
  EXPECT_TRUE(all_near_ulps(values_of(grads.dweight), {-1.0, 2.0}, kFewUlps));
  EXPECT_TRUE(all_near_ulps(values_of(grads.dbias), {1.0, 2.0}, 0));
}

// ---------------------------------------------------------------------------------------------
// affine = false: γ = 1, β = 0, no weight gradients.

TEST(AffineFalseByHand, ForwardIsTheNormalisedInput) {
  BatchNormSpec spec = preset("pytorch");
  spec.affine = false;
  const auto result =
      forward_train(spec, tensor_from({2, 1}, {1, 3}), AffineParams{}, default_running_stats(1));
  const double invstd = 1.0 / std::sqrt(1.0 + 1e-5);
  EXPECT_TRUE(all_near_ulps(values_of(result.y), {-invstd, invstd}, kFewUlps));
}

// The backward example with γ = 1: channel 0 dx = [1/2, -1/2, 0, 0], channel 1 dx = [0, -1, 0, 1].
TEST(AffineFalseByHand, BackwardHasUnitGammaAndNoWeightGradients) {
  BatchNormSpec spec = with_eps("pytorch", 0.0);
  spec.affine = false;
  const auto grads = backward_train(spec, tensor_from(kBackwardShape, kBackwardX),
                                    tensor_from(kBackwardShape, kBackwardDy), AffineParams{});
  EXPECT_TRUE(all_near_ulps(values_of(grads.dx), {0.5, -0.5, 0, -1, 0, 0, 0, 1}, kFewUlps, 1.0));
  EXPECT_EQ(grads.dweight.size(), 0u);
  EXPECT_EQ(grads.dbias.size(), 0u);
}

// ---------------------------------------------------------------------------------------------
// Empty batch, N = 0 (PyTorch returns an empty output without error).

TEST(EmptyBatch, TrainingReturnsAnEmptyOutputOfTheSameShape) {
  const Tensor x = make_tensor({0, 3, 2}, Layout::channels_first);
  const auto result =
      forward_train(preset("pytorch"), x, default_affine(3), default_running_stats(3));
  EXPECT_EQ(shape_of(result.y), (Shape{0, 3, 2}));
  EXPECT_EQ(result.batch_mean.size(), 3u);
  EXPECT_EQ(result.batch_var.size(), 3u);
  EXPECT_EQ(result.saved_invstd.size(), 3u);
  // Observed values, for docs/semantics.md (no framework defines them: PyTorch leaves its saved
  // tensors uninitialised for an empty batch).
  using test::format_values;
  std::cout << "[ empty ] batch_mean " << format_values(values_of(result.batch_mean))
            << " batch_var " << format_values(values_of(result.batch_var)) << " saved_invstd "
            << format_values(values_of(result.saved_invstd)) << '\n';
  if (result.running) {
    std::cout << "[ empty ] running mean " << format_values(values_of(result.running->mean))
              << " var " << format_values(values_of(result.running->var)) << " num_batches_tracked "
              << result.running->num_batches_tracked << '\n';
  }
}

TEST(EmptyBatch, TrainingIsNotAOneValuePerChannelError) {
  // M = 0, not 1: PyTorch's check (size_prods == 1) does not fire either.
  const Tensor x = make_tensor({0, 3, 1, 1}, Layout::channels_last);
  EXPECT_NO_THROW(forward_train(preset("pytorch"), x, default_affine(3), default_running_stats(3)));
}

TEST(EmptyBatch, EvalReturnsAnEmptyOutputOfTheSameShape) {
  const Tensor x = make_tensor({0, 3, 2}, Layout::channels_first);
  const Tensor y = forward_eval(preset("pytorch"), x, default_affine(3), default_running_stats(3));
  EXPECT_EQ(shape_of(y), (Shape{0, 3, 2}));
}

// Sums over no elements are 0: dγ = Σ dy·x̂ = 0 and dβ = Σ dy = 0; dx is empty.
TEST(EmptyBatch, BackwardGivesEmptyInputGradientAndZeroWeightGradients) {
  const Tensor x = make_tensor({0, 3, 2}, Layout::channels_first);
  const auto train = backward_train(preset("pytorch"), x, x, default_affine(3));
  EXPECT_EQ(shape_of(train.dx), (Shape{0, 3, 2}));
  EXPECT_EQ(values_of(train.dweight), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(values_of(train.dbias), (std::vector<double>{0, 0, 0}));
  const auto eval =
      backward_eval(preset("pytorch"), x, x, default_affine(3), default_running_stats(3));
  EXPECT_EQ(shape_of(eval.dx), (Shape{0, 3, 2}));
  EXPECT_EQ(values_of(eval.dweight), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(values_of(eval.dbias), (std::vector<double>{0, 0, 0}));
}

// An empty tensor with N > 0 but a spatial extent of 0: PyTorch accepts every input with
// numel() == 0 (_batch_norm_impl_index returns an empty output early; checked with libtorch 1.13
// for (2, 3, 0) and (2, 3, 0, 2)), and make_tensor builds this shape.
TEST(EmptyBatch, ZeroSpatialExtentReturnsAnEmptyOutput) {
  for (Layout layout : {Layout::channels_first, Layout::channels_last}) {
    const Tensor x = make_tensor({2, 3, 0}, layout);
    const auto result =
        forward_train(preset("pytorch"), x, default_affine(3), default_running_stats(3));
    EXPECT_EQ(shape_of(result.y), (Shape{2, 3, 0}));
    const Tensor y =
        forward_eval(preset("pytorch"), x, default_affine(3), default_running_stats(3));
    EXPECT_EQ(shape_of(y), (Shape{2, 3, 0}));
  }
}

// The whole empty-batch behaviour of docs/semantics.md with N > 0 and a zero extent on an inner
// spatial axis (the core `empty` group's fixtures have the zero on the last one): the batch
// statistics are 0 / 0 = NaN, the running statistics unchanged, the counter incremented, dx empty
// and the parameter gradients empty sums, 0.
TEST(EmptyBatch, ZeroInnerSpatialExtentBehavesAsAnEmptyBatch) {
  for (Layout layout : {Layout::channels_first, Layout::channels_last}) {
    const Tensor x = make_tensor({3, 2, 0, 4}, layout);
    const RunningStats stats = running({0.5, -1.0}, {1.5, 0.25}, 2);
    const auto train = forward_train(preset("pytorch"), x, default_affine(2), stats);
    EXPECT_EQ(shape_of(train.y), (Shape{3, 2, 0, 4}));
    for (const auto* statistic : {&train.batch_mean, &train.batch_var, &train.saved_invstd}) {
      for (double v : values_of(*statistic)) EXPECT_TRUE(std::isnan(v));
    }
    ASSERT_TRUE(train.running.has_value());
    EXPECT_EQ(values_of(train.running->mean), values_of(stats.mean));
    EXPECT_EQ(values_of(train.running->var), values_of(stats.var));
    EXPECT_EQ(train.running->num_batches_tracked, 3);
    const auto grads = backward_train(preset("pytorch"), x, x, default_affine(2));
    EXPECT_EQ(shape_of(grads.dx), (Shape{3, 2, 0, 4}));
    EXPECT_EQ(values_of(grads.dweight), (std::vector<double>{0, 0}));
    EXPECT_EQ(values_of(grads.dbias), (std::vector<double>{0, 0}));
    const auto eval = backward_eval(preset("pytorch"), x, x, default_affine(2), stats);
    EXPECT_EQ(shape_of(eval.dx), (Shape{3, 2, 0, 4}));
    EXPECT_EQ(values_of(eval.dweight), (std::vector<double>{0, 0}));
    EXPECT_EQ(values_of(eval.dbias), (std::vector<double>{0, 0}));
  }
}

// ---------------------------------------------------------------------------------------------
// Defaults.

TEST(Defaults, AffineIsOnesAndZeros) {
  const AffineParams params = default_affine(3);
  EXPECT_EQ(values_of(params.weight), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(values_of(params.bias), (std::vector<double>{0, 0, 0}));
}

TEST(Defaults, RunningStatsAreMeanZeroVarOneCounterZero) {
  const RunningStats stats = default_running_stats(2);
  EXPECT_EQ(values_of(stats.mean), (std::vector<double>{0, 0}));
  EXPECT_EQ(values_of(stats.var), (std::vector<double>{1, 1}));
  EXPECT_EQ(stats.num_batches_tracked, 0);
}

}  // namespace
}  // namespace bnconf::reference
