// The seed example: a 1000 x 10 batch through BatchNorm1d(10) in training mode.
//
// Prints each feature's mean and variance before and after normalisation, and the output shape,
// which equals the input shape. Features are drawn with different offsets and spreads so that
// the effect of normalisation (mean -> beta = 0, variance -> gamma^2 var/(var+eps) ~ 1) shows.
// Then trains the seed pipeline (BatchNorm1d(10) -> Linear(10 -> 5) -> softmax cross-entropy,
// mini-batch SGD) for five epochs and prints its trace; the same trace is a golden fixture
// (core.seed_pipeline.f64), and a feature-count mismatch is shown to be an error.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numbers>
#include <random>
#include <string>

#include "bnconf/cases/reference_engine.hpp"
#include "bnconf/cases/seed_pipeline.hpp"
#include "bnconf/generators/seed_pipeline_data.hpp"
#include "bnconf/reference/batch_norm.hpp"

namespace {

using bnconf::reference::Tensor;

// Standard normal deviates from raw 64-bit engine output with the Box-Muller transform. The
// engine's output sequence is fixed by the C++ standard; std::normal_distribution is not.
class Normal {
 public:
  explicit Normal(std::uint64_t seed) : engine_(seed) {}
  double operator()() {
    const double u1 = (static_cast<double>(engine_() >> 11) + 0.5) * 0x1p-53;
    const double u2 = static_cast<double>(engine_() >> 11) * 0x1p-53;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  std::mt19937_64 engine_;
};

void print_feature_moments(const char* title, const Tensor& t) {
  const std::size_t rows = t.shape()[0];
  const std::size_t features = t.shape()[1];
  std::printf("%s\n  %-8s %14s %14s\n", title, "feature", "mean", "variance");
  for (std::size_t f = 0; f < features; ++f) {
    double mean = 0.0;
    for (std::size_t r = 0; r < rows; ++r) mean += t(r, f);
    mean /= static_cast<double>(rows);
    double var = 0.0;
    for (std::size_t r = 0; r < rows; ++r) var += (t(r, f) - mean) * (t(r, f) - mean);
    var /= static_cast<double>(rows);
    std::printf("  %-8zu %14.6f %14.6f\n", f, mean, var);
  }
}

}  // namespace

int main() {
  namespace ref = bnconf::reference;
  constexpr std::size_t kBatch = 1000;
  constexpr std::size_t kFeatures = 10;

  Tensor x = ref::make_tensor({kBatch, kFeatures}, ref::Layout::channels_first);
  Normal normal(2024);
  for (std::size_t r = 0; r < kBatch; ++r) {
    for (std::size_t f = 0; f < kFeatures; ++f) {
      // Feature f: mean 5f - 20, standard deviation 0.5 (f + 1).
      x(r, f) = 5.0 * static_cast<double>(f) - 20.0 + 0.5 * static_cast<double>(f + 1) * normal();
    }
  }

  const ref::BatchNormSpec spec = ref::preset("pytorch");
  std::printf("BatchNorm1d(%zu) in training mode, %s\n\n", kFeatures, ref::describe(spec).c_str());
  const auto result = ref::forward_train(spec, x, ref::default_affine(kFeatures),
                                         ref::default_running_stats(kFeatures));

  print_feature_moments("Input, per feature (biased variance):", x);
  std::printf("\n");
  print_feature_moments("Output, per feature (biased variance):", result.y);
  std::printf("\nInput shape %s -> output shape %s\n", ref::format_shape(ref::shape_of(x)).c_str(),
              ref::format_shape(ref::shape_of(result.y)).c_str());
  std::printf("Running mean after one step (momentum 0.1): feature 0 = %.6f, feature 9 = %.6f\n",
              result.running->mean(0), result.running->mean(9));

  // A BatchNorm1d(10) given 12 features is an error, not a silent broadcast.
  try {
    ref::forward_train(spec, ref::make_tensor({4, 12}, ref::Layout::channels_first),
                       ref::default_affine(kFeatures), ref::default_running_stats(kFeatures));
  } catch (const ref::BatchNormError& e) {
    std::printf("\nFeeding 12 features to BatchNorm1d(10): %s error: %s\n",
                std::string(ref::to_string(e.kind())).c_str(), e.what());
  }

  namespace cases = bnconf::cases;
  cases::CaseSpec pipeline;
  pipeline.id = "demo.seed_pipeline";
  pipeline.operation = cases::Operation::pipeline;
  pipeline.spec = spec;
  pipeline.shape = {cases::kPipelineRows, cases::kPipelineFeatures};
  pipeline.steps = 5;
  cases::ReferenceEngine reference;
  const cases::PipelineData data =
      bnconf::generators::make_seed_pipeline_data(2024, bnconf::ieee::Dtype::f64);
  const cases::PipelineTrace trace = cases::train_seed_pipeline(pipeline, data, reference);
  std::printf(
      "\nSeed pipeline: 1000 x 10 -> BatchNorm1d(10) -> Linear(10 -> 5) -> softmax "
      "cross-entropy, SGD (batch %zu, learning rate %g)\n",
      cases::kPipelineBatch, cases::kPipelineLearningRate);
  std::printf("  %-6s %12s %12s\n", "epoch", "mean loss", "accuracy");
  for (std::size_t e = 0; e < trace.epoch_loss.size(); ++e) {
    std::printf("  %-6zu %12.6f %11.1f%%\n", e + 1, trace.epoch_loss[e],
                100.0 * trace.epoch_accuracy[e]);
  }
  return 0;
}
