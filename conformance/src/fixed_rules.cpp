// The fixed pass rules of other suites (docs/tolerances.md, "Fixed rules compared"). They are
// implemented only to compare them with the derived bounds on the same fixtures and backends.
//
// Special values are judged the same way by every rule, as by the runner: an expected NaN
// needs an actual NaN, an expected infinity the same infinity, and a finite expected value a
// finite actual one.
#include <cmath>
#include <stdexcept>

#include "bnconf/conformance/tolerance.hpp"
#include "bnconf/ieee/dtype.hpp"
#include "bnconf/ieee/rounding.hpp"

namespace bnconf::conformance {
namespace {

using ieee::Dtype;

// torch.testing.assert_close defaults (rtol, atol) per dtype.
struct TorchDefaults {
  double rtol, atol;
};

TorchDefaults torch_defaults(Dtype dtype) {
  switch (dtype) {
    case Dtype::f64:
      return {1e-7, 1e-7};
    case Dtype::f32:
      return {1.3e-6, 1e-5};
    case Dtype::f16:
      return {1e-3, 1e-5};
    case Dtype::bf16:
      return {1.6e-2, 1e-5};
  }
  return {0.0, 0.0};
}

// Spacing of `dtype` at |v| (v already a value of the dtype): 2^(e - digits + 1) for
// 2^e <= |v| < 2^(e+1), the subnormal spacing below the smallest normal.
double dtype_ulp(double v, Dtype dtype) {
  const double a = std::fabs(v);
  if (!(a >= ieee::smallest_normal(dtype))) return ieee::smallest_subnormal(dtype);
  return std::ldexp(1.0, std::ilogb(a) - ieee::mantissa_digits(dtype) + 1);
}

}  // namespace

namespace {

using R = FixedRule;
constexpr RuleRow kRules[] = {
    {"model", std::nullopt, "error_model"},
    {"onnx", R::onnx_allclose, "onnx_allclose"},
    {"torch", R::torch_assert_close, "torch_assert_close"},
    {"webnn", R::webnn_6_ulp, "webnn_6_ulp"},
    {"benchdnn", R::benchdnn, "benchdnn"},
};

}  // namespace

std::span<const RuleRow> rule_table() { return kRules; }

const std::vector<FixedRule>& all_fixed_rules() {
  static const std::vector<FixedRule> rules = [] {
    std::vector<FixedRule> fixed;
    for (const auto& row : kRules) {
      if (row.fixed) fixed.push_back(*row.fixed);
    }
    return fixed;
  }();
  return rules;
}

std::string to_string(FixedRule rule) {
  for (const auto& row : kRules) {
    if (row.fixed == rule) return std::string(row.report_name);
  }
  throw std::invalid_argument("unknown FixedRule");
}

double fixed_rule_bound(FixedRule rule, ieee::Dtype dtype, double expected) {
  switch (rule) {
    case FixedRule::onnx_allclose:
      // numpy.testing.assert_allclose(actual, expected, rtol=1e-3, atol=1e-7)
      return 1e-7 + 1e-3 * std::fabs(expected);
    case FixedRule::torch_assert_close: {
      const TorchDefaults d = torch_defaults(dtype);
      return d.atol + d.rtol * std::fabs(expected);
    }
    case FixedRule::webnn_6_ulp:
      // WebNN WPT: distance in ulps of the expected value rounded to the dtype.
      return 6.0 * dtype_ulp(ieee::round_to(expected, dtype), dtype);
    case FixedRule::benchdnn: {
      // benchdnn bnorm: relative error <= 6e-7 * 2^(24 - digits) (f32 6e-7, f16 4.9e-3,
      // bf16 3.9e-2, f64 1.1e-15), the absolute error where |expected| <= 1e-5.
      const double threshold = 6e-7 * std::ldexp(1.0, 24 - ieee::mantissa_digits(dtype));
      return std::fabs(expected) > 1e-5 ? threshold * std::fabs(expected) : threshold;
    }
  }
  return 0;
}

bool passes_fixed_rule(FixedRule rule, ieee::Dtype dtype, double expected, double actual) {
  if (std::isnan(expected)) return std::isnan(actual);
  if (std::isinf(expected)) return actual == expected;
  if (!std::isfinite(actual)) return false;
  return std::fabs(actual - expected) <= fixed_rule_bound(rule, dtype, expected);
}

std::optional<ToleranceRule> tolerance_rule_from_string(const std::string& option) {
  for (const auto& row : kRules) {
    if (row.option == option) return ToleranceRule{row.fixed};
  }
  return std::nullopt;
}

std::string to_string(const ToleranceRule& rule) {
  return rule.fixed ? to_string(*rule.fixed) : std::string(kRules[0].report_name);
}

CaseBounds case_bounds(const ToleranceRule& rule, const cases::Case& c) {
  if (!rule.fixed) return error_model_bounds(c);
  CaseBounds bounds;
  for (const auto& [name, expected] : c.expected) {
    auto& out = bounds[name];
    for (double e : expected.values) {
      out.push_back(std::isfinite(e) ? fixed_rule_bound(*rule.fixed, c.spec.dtype, e) : 0.0);
    }
  }
  return bounds;
}

}  // namespace bnconf::conformance
