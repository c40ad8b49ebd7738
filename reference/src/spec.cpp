#include "bnconf/reference/spec.hpp"

#include <charconv>
#include <sstream>

#include "bnconf/reference/errors.hpp"

namespace bnconf::reference {
namespace {

BatchNormSpec make_preset(std::string name, double eps, std::optional<double> momentum,
                          MomentumConvention convention, RunningVarEstimator estimator) {
  BatchNormSpec spec;
  spec.preset = std::move(name);
  spec.eps = eps;
  spec.momentum = momentum;
  spec.momentum_convention = convention;
  spec.running_var_estimator = estimator;
  return spec;
}

// Each preset fixes what its framework fixes; docs/semantics.md gives the sources.
std::vector<BatchNormSpec> all_presets() {
  using MC = MomentumConvention;
  using RV = RunningVarEstimator;
  return {
      // torch.nn.BatchNorm*d defaults.
      make_preset("pytorch", 1e-5, 0.1, MC::weights_batch, RV::unbiased),
      // ONNX BatchNormalization-15 attribute defaults; running variance is the population one.
      make_preset("onnx", 1e-5, 0.9, MC::weights_running, RV::population),
      // keras.layers.BatchNormalization (Keras 3) defaults; moving variance is biased.
      make_preset("keras", 1e-3, 0.99, MC::weights_running, RV::population),
      // tf.raw_ops.FusedBatchNormV3 defaults: epsilon 1e-4, exponential_avg_factor 1 (the
      // running statistics become the batch statistics); Bessel factor with M - 1 clamped to 1.
      make_preset("tf_fused", 1e-4, 1.0, MC::weights_batch, RV::unbiased_clamped),
      // cudnnBatchNormalizationForwardTraining: factor 1/(1+n) gives the cumulative average;
      // CUDNN_BN_MIN_EPSILON was 1e-5 before cuDNN 7.5; the running variance is unbiased.
      make_preset("cudnn", 1e-5, std::nullopt, MC::weights_batch, RV::unbiased),
  };
}

}  // namespace

std::string_view to_string(MomentumConvention convention) {
  switch (convention) {
    case MomentumConvention::weights_batch:
      return "weights_batch";
    case MomentumConvention::weights_running:
      return "weights_running";
  }
  return "unknown";
}

std::string_view to_string(RunningVarEstimator estimator) {
  switch (estimator) {
    case RunningVarEstimator::unbiased:
      return "unbiased";
    case RunningVarEstimator::unbiased_clamped:
      return "unbiased_clamped";
    case RunningVarEstimator::population:
      return "population";
  }
  return "unknown";
}

std::optional<MomentumConvention> momentum_convention_from_string(std::string_view name) {
  for (auto c : kAllMomentumConventions) {
    if (to_string(c) == name) return c;
  }
  return std::nullopt;
}

std::optional<RunningVarEstimator> running_var_estimator_from_string(std::string_view name) {
  for (auto e : kAllRunningVarEstimators) {
    if (to_string(e) == name) return e;
  }
  return std::nullopt;
}

BatchNormSpec preset(std::string_view name) {
  for (const auto& spec : all_presets()) {
    if (spec.preset == name) return spec;
  }
  std::string known;
  for (const auto& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
  throw BatchNormError(ErrorKind::unknown_preset, "preset",
                       "preset should be one of " + known + " not '" + std::string(name) + "'");
}

const std::vector<std::string>& preset_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> result;
    for (const auto& spec : all_presets()) result.push_back(spec.preset);
    return result;
  }();
  return names;
}

std::string shortest_decimal(double value) {
  char buffer[32];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  return std::string(buffer, end);
}

std::string describe(const BatchNormSpec& spec) {
  std::ostringstream out;
  out << "preset=" << spec.preset << " eps=" << shortest_decimal(spec.eps) << " momentum=";
  if (spec.momentum) {
    out << shortest_decimal(*spec.momentum);
  } else {
    out << "none";
  }
  out << " convention=" << to_string(spec.momentum_convention)
      << " running_var=" << to_string(spec.running_var_estimator)
      << " affine=" << (spec.affine ? "true" : "false")
      << " track_running_stats=" << (spec.track_running_stats ? "true" : "false");
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const BatchNormSpec& spec) {
  return out << describe(spec);
}

}  // namespace bnconf::reference
