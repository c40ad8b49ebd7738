// The specification of one BatchNorm configuration: everything that changes the numbers.
//
// Conventions follow the frameworks' documented behaviour; see docs/semantics.md for the sources.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace bnconf::reference {

// How momentum m mixes the running statistic with the batch statistic.
enum class MomentumConvention {
  // new = (1 - m) * old + m * batch   (PyTorch, cuDNN, TensorFlow fused)
  weights_batch,
  // new = m * old + (1 - m) * batch   (ONNX, Keras)
  weights_running,
};

// Which variance estimator feeds the running variance. Normalisation always uses the biased
// (population) batch variance.
enum class RunningVarEstimator {
  unbiased,          // sum / (M - 1)          (PyTorch, cuDNN)
  unbiased_clamped,  // sum / max(M - 1, 1)    (TensorFlow fused batch norm on CPU)
  population,        // sum / M                (ONNX, Keras)
};

// Every enumerator, in order: the lists names and tables derive from.
inline constexpr MomentumConvention kAllMomentumConventions[] = {
    MomentumConvention::weights_batch, MomentumConvention::weights_running};
inline constexpr RunningVarEstimator kAllRunningVarEstimators[] = {
    RunningVarEstimator::unbiased, RunningVarEstimator::unbiased_clamped,
    RunningVarEstimator::population};

std::string_view to_string(MomentumConvention convention);
std::string_view to_string(RunningVarEstimator estimator);
std::optional<MomentumConvention> momentum_convention_from_string(std::string_view name);
std::optional<RunningVarEstimator> running_var_estimator_from_string(std::string_view name);

struct BatchNormSpec {
  std::string preset = "pytorch";  // the preset this spec started from ("custom" if none)
  double eps = 1e-5;
  // nullopt: cumulative moving average, m = 1 / num_batches_tracked after the increment.
  std::optional<double> momentum = 0.1;
  MomentumConvention momentum_convention = MomentumConvention::weights_batch;
  RunningVarEstimator running_var_estimator = RunningVarEstimator::unbiased;
  bool affine = true;               // false: gamma = 1, beta = 0, no weight gradients
  bool track_running_stats = true;  // false: batch statistics in both modes, nothing updated

  bool operator==(const BatchNormSpec&) const = default;
};

// Named presets: "pytorch", "onnx", "keras", "tf_fused", "cudnn".
// Throws BatchNormError(unknown_preset) for other names.
BatchNormSpec preset(std::string_view name);
const std::vector<std::string>& preset_names();

// One line a reader can paste into a bug report, e.g.
// "preset=pytorch eps=1e-05 momentum=0.1 convention=weights_batch running_var=unbiased affine=true
//  track_running_stats=true"
std::string describe(const BatchNormSpec& spec);
std::ostream& operator<<(std::ostream& out, const BatchNormSpec& spec);

// The shortest decimal that reads back as exactly `value` ("1e-05", "0.1", "nan").
std::string shortest_decimal(double value);

}  // namespace bnconf::reference
