// Simulated backends for testing the tolerance model: correct ones (the reference rounded to the
// dtype, a float re-implementation with pairwise sums, a PyTorch-like one with double
// statistics and a fused affine step) and buggy ones (the real bug classes of
// shared/brief/real-bugs.md as mutants of the float re-implementation). They are engines: the
// runner's case driver runs any fixture case on them and the runner's judge compares.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bnconf/cases/driver.hpp"

namespace bnconf::tolerance_testing {

using cases::Array;
using Outputs = std::map<std::string, Array>;

// A backend as the runner sees it, as an engine (bnconf/cases/engine.hpp): activations in and out
// are values of the case's dtype (held in doubles), per-channel vectors are doubles.
class SimulatedBackend : public cases::Engine {
 public:
  virtual std::string name() const = 0;
};

// The outputs of a (non-error) case run on the backend through the case driver
// (cases::run_case) — sequences carry the backend's own running statistics, the pipeline runs
// the seed example's training loop with the backend's BatchNorm — with every activation handed
// to the backend rounded to the case's dtype first, as a backend of that dtype receives it.
// run_on gives the driver's execution; outputs_of its outputs, throwing when a call failed.
cases::Execution run_on(SimulatedBackend& backend, const cases::Case& c);
Outputs outputs_of(SimulatedBackend& backend, const cases::Case& c);

// How the rounded reference returns per-channel outputs: unrounded, rounded to the accumulation
// precision (f32 for f32/f16/bf16), or rounded to the storage dtype.
enum class ChannelRounding { none, accumulation, dtype };
std::unique_ptr<SimulatedBackend> rounded_reference(ChannelRounding rounding);

enum class Summation {
  pairwise,       // recursive halving (the model's g(M))
  sequential,     // one running sum, left to right
  low_precision,  // sequential, every partial sum rounded to the dtype (f16/bf16 only)
};

// The float re-implementation computes in the case's precision (double for f64, float for the
// others), two-pass, with `summation`; each flag below is a defect from the real bug list.
struct FloatOptions {
  Summation summation = Summation::pairwise;
  bool torch_like = false;                 // correct: double statistics, y = x * a + b in float
  bool one_pass_variance = false;          // E[x^2] - E[x]^2 (XLA, flax, Keras numpy backend)
  bool eps_outside_sqrt = false;           // 1 / (sqrt(var) + eps)
  bool unbiased_normalisation = false;     // normalises with var * M / (M - 1)
  bool biased_running_var = false;         // running variance without Bessel's factor
  bool swapped_momentum = false;           // new = m old + (1 - m) batch for PyTorch's convention
  bool drop_mean_dy = false;               // dx without the - mean(dy) term
  bool drop_xhat_term = false;             // dx without the - x_hat mean(dy x_hat) term
  bool eval_backward_batch_stats = false;  // frozen-statistics gradient through batch stats
  bool clamp_eps = false;                  // eps raised to at least 1.001e-5 (TF)
  bool nan_not_propagated = false;         // reductions skip NaN and infinite terms
};
std::unique_ptr<SimulatedBackend> float_backend(const std::string& name, const FloatOptions& o);

// How far the outputs are from the expected ones, judged by the runner's own judge
// (conformance::judge_execution) under the error model: one entry per judged output.
struct OutputCheck {
  std::string output;
  std::size_t elements = 0;
  std::size_t failures = 0;
  double worst_ratio = 0;                      // |actual - expected| / bound at the worst element
  std::string worst_index;                     // logical index of the worst element
  double expected = 0, actual = 0, bound = 0;  // at worst_index
};
std::vector<OutputCheck> check_case(const cases::Case& c, const Outputs& actual);

}  // namespace bnconf::tolerance_testing
