// rounding_bias.hpp. Each element's error is measured from the value of the dtype nearest the
// exact result, in ulps: a correct backend (float computation, then round to nearest) gives that
// value exactly, except within its computation error of a midpoint, where it may round either
// way (those elements, within kAllowanceUlps of a midpoint, are left out). A truncating
// conversion differs by -1 ulp toward zero on about half the elements: mean -1/2.
// The threshold is Hoeffding's inequality for the mean of n values in [-1, 1]:
//   P(|mean - E mean| >= t) <= 2 exp(-n t^2 / 2),  so  t = sqrt(2 ln(2 / alpha) / n)
// at false-alarm probability alpha per output, plus kAllowanceUlps for computation errors the
// model admits (docs/tolerances.md). Errors are clipped to [-1, 1] ulp so that the few elements
// with a larger (legitimate) computation error cannot dominate.
#include "bnconf/conformance/rounding_bias.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "bnconf/ieee/rounding.hpp"
#include "tolerance_model.hpp"

namespace bnconf::conformance {
namespace {

constexpr double kFalseAlarm = 1e-6;  // alpha: one correct output in a million trips it
constexpr double kAllowanceUlps = 0.125;

double ulp_of(double v, ieee::Dtype dtype) {
  const double a = std::fabs(v);
  if (a < ieee::smallest_normal(dtype)) return ieee::smallest_subnormal(dtype);
  return std::ldexp(1.0, std::ilogb(a) - ieee::mantissa_digits(dtype) + 1);
}

}  // namespace

RoundingBias rounding_bias(const cases::Array& expected, const cases::Array& actual,
                           ieee::Dtype storage, const std::vector<double>& bounds) {
  RoundingBias bias;
  if (storage != ieee::Dtype::f16 && storage != ieee::Dtype::bf16) return bias;
  if (expected.values.size() != actual.values.size()) return bias;
  if (!bounds.empty() && bounds.size() != expected.values.size()) return bias;
  const double u_out = ieee::unit_roundoff(storage);
  // Elements whose expected values lie at the same place between the same two values of the
  // dtype (within 1/16 ulp) share their rounding error (a constant channel, tiny inputs on large
  // running statistics): they are one sample, their mean error, or the samples would not be
  // independent as Hoeffding's bound needs.
  std::vector<std::pair<std::pair<double, double>, double>> errors;  // ((place), error)
  for (std::size_t i = 0; i < expected.values.size(); ++i) {
    const double e = expected.values[i], a = actual.values[i];
    if (!std::isfinite(e) || !std::isfinite(a) || e == 0) continue;
    if (std::fabs(e) > ieee::max_finite(storage)) continue;
    const double ulp = ulp_of(e, storage);
    // The bound is kSafety (computation + u_out |e|) + kFloorUlps ulp (tolerance_model.hpp):
    // room for more than kAllowanceUlps of computation error leaves the element out.
    using tolerance_model::kFloorUlps;
    using tolerance_model::kSafety;
    if (!bounds.empty() &&
        bounds[i] > kFloorUlps * ulp + kSafety * (u_out * std::fabs(e) + kAllowanceUlps * ulp)) {
      continue;
    }
    const double rounded = ieee::round_to(e, storage);
    // Near a midpoint, a correct computation may round either way; elsewhere it gives exactly
    // the nearest value. Errors are measured from that value, not from e: where the data place
    // the exact results unevenly between two values (x / sqrt(1 + eps) lands just above half an
    // ulp for every x), correct rounding's own errors do not average to 0.
    if (std::fabs(e - rounded) > (0.5 - kAllowanceUlps) * ulp) continue;
    const double place = std::floor(16.0 * (e - rounded) / ulp);
    errors.push_back({{rounded, place}, std::clamp((a - rounded) / ulp, -1.0, 1.0)});
  }
  std::sort(errors.begin(), errors.end());
  double sum = 0, sum_toward_zero = 0, sum_squares = 0;
  std::size_t n = 0;
  for (std::size_t first = 0; first < errors.size();) {
    std::size_t last = first;
    double group = 0;
    while (last < errors.size() && errors[last].first == errors[first].first) {
      group += errors[last++].second;
    }
    const double t = group / static_cast<double>(last - first);
    sum += t;
    sum_toward_zero += errors[first].first.first > 0 ? t : -t;
    sum_squares += t * t;
    ++n;
    first = last;
  }
  if (n < kRoundingBiasMinElements) return bias;
  const auto count = static_cast<double>(n);
  bias.elements = n;
  bias.mean_ulps = sum / count;
  bias.mean_toward_zero = sum_toward_zero / count;
  bias.spread_ulps =
      std::sqrt(std::max(0.0, sum_squares / count - bias.mean_ulps * bias.mean_ulps));
  bias.bound_ulps = std::sqrt(2.0 * std::log(2.0 / kFalseAlarm) / count) + kAllowanceUlps;
  bias.passed = std::fabs(bias.mean_ulps) <= bias.bound_ulps &&
                std::fabs(bias.mean_toward_zero) <= bias.bound_ulps;
  return bias;
}

}  // namespace bnconf::conformance
