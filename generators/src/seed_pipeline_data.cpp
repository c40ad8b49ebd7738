#include "bnconf/generators/seed_pipeline_data.hpp"

#include <cmath>

#include "bnconf/ieee/rounding.hpp"
#include "bnconf/random/distributions.hpp"
#include "bnconf/random/stream.hpp"
#include "recipes.hpp"

namespace bnconf::generators {
namespace {

namespace rnd = bnconf::random;
constexpr std::size_t kF = cases::kPipelineFeatures;
constexpr std::size_t kK = cases::kPipelineClasses;
constexpr std::size_t kRows = cases::kPipelineRows;

double feature_mean(std::size_t f) { return 5.0 * static_cast<double>(f) - 20.0; }
double feature_std(std::size_t f) { return 0.5 * static_cast<double>(f + 1); }

}  // namespace

cases::PipelineData make_seed_pipeline_data(std::uint64_t seed, ieee::Dtype dtype) {
  cases::PipelineData data;
  data.x = cases::Array{{kRows, kF}, std::vector<double>(kRows * kF)};
  auto x = [&](std::size_t i, std::size_t f) -> double& { return data.x.values[i * kF + f]; };
  rnd::Stream x_draws(seed, static_cast<std::uint64_t>(TensorId::x));
  for (std::size_t i = 0; i < kRows; ++i) {
    for (std::size_t f = 0; f < kF; ++f) {
      x(i, f) = ieee::round_to(
          rnd::normal(x_draws.element(i * kF + f), feature_mean(f), feature_std(f)), dtype);
    }
  }
  // Teacher: label = argmax_k sum_f T(k, f) z(f), z the standardised feature.
  rnd::Stream teacher_draws(seed, static_cast<std::uint64_t>(TensorId::labels));
  std::vector<double> teacher(kK * kF);
  for (std::size_t j = 0; j < teacher.size(); ++j) {
    teacher[j] = rnd::standard_normal(teacher_draws.element(j));
  }
  for (std::size_t i = 0; i < kRows; ++i) {
    std::size_t best = 0;
    double best_score = 0;
    for (std::size_t k = 0; k < kK; ++k) {
      double score = 0;
      for (std::size_t f = 0; f < kF; ++f) {
        score += teacher[k * kF + f] * (x(i, f) - feature_mean(f)) / feature_std(f);
      }
      if (k == 0 || score > best_score) best = k, best_score = score;
    }
    data.labels.push_back(static_cast<int>(best));
  }
  // PyTorch's initial BatchNorm1d: gamma 1, beta 0, running mean 0, running variance 1.
  data.batch_norm = {std::vector<double>(kF, 1.0), std::vector<double>(kF, 0.0)};
  data.running = {std::vector<double>(kF, 0.0), std::vector<double>(kF, 1.0), 0};
  // PyTorch's nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
  const double bound = 1.0 / std::sqrt(static_cast<double>(kF));
  rnd::Stream linear_draws(seed, static_cast<std::uint64_t>(TensorId::linear));
  for (std::size_t j = 0; j < kK * kF + kK; ++j) {
    const double v = ieee::round_to(rnd::uniform(linear_draws.element(j), -bound, bound), dtype);
    (j < kK * kF ? data.linear_weight : data.linear_bias).push_back(v);
  }
  return data;
}

}  // namespace bnconf::generators
