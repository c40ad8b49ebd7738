// Elements the semantics leave open (tolerance_model.hpp, mark_open_elements): their bounds are
// the markers kAnyValue and kAnyNonFinite instead of a distance. docs/tolerances.md, "Elements
// the semantics leave open".
#include <cmath>

#include "bnconf/cases/operations.hpp"
#include "tolerance_model.hpp"

namespace bnconf::conformance::tolerance_model {
namespace {

bool holds_infinity(const Case& c, const char* name) {
  const Array* a = find(c.inputs, name);
  if (!a) return false;
  for (const double v : a->values) {
    if (std::isinf(v)) return true;
  }
  return false;
}

// Whether an infinite activation reaches a reduction: the batch statistics (training, or eval
// without running statistics), the sums of dy and dy * x_hat (backward), and dweight's sum over
// x_hat in eval's backward. Only forward eval with running statistics is elementwise throughout.
bool reduction_meets_infinity(const Case& c) {
  const bool elementwise = c.spec.operation == cases::Operation::forward_eval &&
                           c.spec.spec.track_running_stats;
  return !elementwise && (holds_infinity(c, "x") || holds_infinity(c, "dy"));
}

std::size_t values_per_channel(const Case& c) {
  const auto& shape = c.spec.shape;
  if (shape.empty()) return 0;
  std::size_t m = shape[0];
  for (std::size_t axis = 2; axis < shape.size(); ++axis) m *= shape[axis];
  return m;
}

}  // namespace

void mark_open_elements(const Case& c, Bounds& bounds) {
  // An empty batch has no statistics: 0 / 0 in the reference, uninitialised memory in PyTorch.
  if (values_per_channel(c) == 0) {
    for (const auto& use : cases::row_of(c.spec.operation).outputs) {
      if (use.group != cases::OutputGroup::batch_statistics) continue;
      const auto it = bounds.find(std::string(use.name));
      if (it != bounds.end()) it->second.assign(it->second.size(), kAnyValue);
    }
  }
  // An infinity met by a sum is order-independent (inf + finite = inf, inf - inf = NaN in any
  // order), but not by the reformulations correct kernels use: Welford's mean update gives NaN
  // where the plain mean is +inf, and dx's three-term form mixes +inf and -inf differently from
  // the reference's. Wherever the expected value is non-finite, any non-finite value is right.
  if (!reduction_meets_infinity(c)) return;
  for (auto& [name, element_bounds] : bounds) {
    const Array& expected = need(c.expected, name, c);
    for (std::size_t i = 0; i < element_bounds.size(); ++i) {
      if (!std::isfinite(expected.values[i])) element_bounds[i] = kAnyNonFinite;
    }
  }
}

}  // namespace bnconf::conformance::tolerance_model
