// The tolerance model: how far a correct backend's output may be from the reference's.
// docs/tolerances.md derives every bound.
#pragma once

#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bnconf/cases/case.hpp"

namespace bnconf::conformance {

// Absolute bound on |actual - expected| for each element of expected output `output` of case
// `c` (same order as c.expected.at(output).values), for a correct backend that computes in the
// case's dtype (f16 and bf16 with at least float accumulation). An element whose expected value
// is NaN or infinite gets bound 0: the actual value must be the same special value, unless the
// bound is one of the two markers below (docs/tolerances.md, "Elements the semantics leave
// open").
std::vector<double> tolerance_bounds(const cases::Case& c, const std::string& output);

// The element is not determined by the semantics (the batch statistics of an empty batch, which
// PyTorch leaves uninitialised): any value passes.
inline constexpr double kAnyValue = std::numeric_limits<double>::infinity();
// The element is non-finite because a reduction met an infinity, and which special value comes
// out depends on the reduction's order (Welford's running mean turns +inf into NaN at the next
// finite value, exact summation keeps +inf): NaN or either infinity passes, a finite value fails.
inline constexpr double kAnyNonFinite = std::numeric_limits<double>::quiet_NaN();

// Bounds of every expected output of a case, by output name.
using CaseBounds = std::map<std::string, std::vector<double>>;
// The error model's bounds of every output of `c`, derived once (the derivation the operation
// table names for the case's operation).
CaseBounds error_model_bounds(const cases::Case& c);

// The fixed pass rules of other suites, for comparison (docs/tolerances.md): true when
// `actual` passes against `expected` for a backend computing in `dtype`.
enum class FixedRule {
  onnx_allclose,       // |a - e| <= 1e-7 + 1e-3 |e|   (ONNX backend tests)
  torch_assert_close,  // |a - e| <= atol + rtol |e| with torch.testing defaults per dtype
  webnn_6_ulp,         // |a - e| <= 6 ulp(e) of the dtype
  benchdnn,            // relative error <= 6e-7 * 2^(24 - digits), absolute if |e| <= 1e-5
};
const std::vector<FixedRule>& all_fixed_rules();
std::string to_string(FixedRule rule);
bool passes_fixed_rule(FixedRule rule, ieee::Dtype dtype, double expected, double actual);
// The bound on |actual - expected| the rule allows for a finite expected value.
double fixed_rule_bound(FixedRule rule, ieee::Dtype dtype, double expected);

// What a verdict is judged by: bnconf's error model (the default) or another suite's fixed rule,
// to show what that rule would conclude on the same outputs (docs/tolerances.md).
struct ToleranceRule {
  std::optional<FixedRule> fixed;  // nullopt: the error model
};
// The rules a verdict can be judged by, written once: the name `--rule` takes, the rule, and the
// name reports give it.
struct RuleRow {
  std::string_view option;  // "model", "onnx", "torch", "webnn", "benchdnn"
  std::optional<FixedRule> fixed;
  std::string_view report_name;  // "error_model", "onnx_allclose", ...
};
std::span<const RuleRow> rule_table();
std::optional<ToleranceRule> tolerance_rule_from_string(const std::string& option);
std::string to_string(const ToleranceRule& rule);
// Bounds of every element of every expected output of `c` under `rule`.
CaseBounds case_bounds(const ToleranceRule& rule, const cases::Case& c);

}  // namespace bnconf::conformance
