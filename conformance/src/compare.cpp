// Element-by-element comparison of one output with its bounds (judge.hpp, compare_output): the
// verdict, the worst elements and the histogram of error / bound.
#include <cmath>

#include "bnconf/cases/operations.hpp"
#include "bnconf/conformance/judge.hpp"
#include "worst_elements.hpp"

namespace bnconf::conformance {
namespace {

// Logical index of row-major element i of `shape`.
std::string index_text(const std::vector<std::size_t>& shape, std::size_t i) {
  if (shape.empty()) return "[]";
  std::vector<std::size_t> index(shape.size());
  for (std::size_t axis = shape.size(); axis-- > 0;) {
    index[axis] = shape[axis] ? i % shape[axis] : 0;
    i = shape[axis] ? i / shape[axis] : 0;
  }
  std::string text = "[";
  for (std::size_t a = 0; a < index.size(); ++a) text += (a ? ", " : "") + std::to_string(index[a]);
  return text + "]";
}

// Why element (e expected, a actual) fails against `bound`, or "" when it passes.
std::string element_failure(double e, double a, double error, double bound, double overflow_at) {
  if (bound == kAnyValue) return "";
  if (std::isnan(bound)) {  // kAnyNonFinite
    return std::isfinite(a) ? "a finite value where a non-finite value is expected" : "";
  }
  if (std::isnan(e))
    return std::isnan(a) ? "" : "a number where NaN is expected (NaN not propagated)";
  if (std::isinf(e)) {
    if (a == e) return "";
    return std::string(std::isnan(a) ? "NaN" : "a finite value") + " where " +
           (e > 0 ? "+inf" : "-inf") + " is expected";
  }
  if (std::isnan(a)) return "NaN where a finite value is expected";
  if (std::isinf(a)) {
    // Overflow of the storage dtype within the bound: the correctly rounded result.
    const bool overflows = std::fabs(e) + bound >= overflow_at && (a > 0) == (e > 0);
    return overflows ? "" : "infinity where a finite value is expected";
  }
  return error > bound ? "error above bound" : "";
}

// Whether a wrong formula would fail the element: an expected special value must be matched; a
// finite one must be nonzero (a zero stays zero under any formula linear in a zero input, e.g.
// dx for dy = 0) with a bound below half its magnitude (else a wrong sign or a factor of two
// would pass).
bool is_informative(double e, double bound) {
  if (bound == kAnyValue || std::isnan(bound)) return false;
  if (!std::isfinite(e)) return true;
  return e != 0 && bound < 0.5 * std::fabs(e);
}

// The one-line reason of a failed check.
std::string failure_reason(const OutputCheck& check) {
  const std::string counts =
      std::to_string(check.out_of_bound) + " of " + std::to_string(check.elements) + " elements";
  if (check.reason == "error above bound") {
    return "error " + value_text(check.error, check.integer) + " above bound " +
           value_text(check.bound, check.integer) + " (" + counts + ")";
  }
  return check.reason + " (" + counts + " out of bound)";
}

}  // namespace

OutputCheck compare_output(const std::string& name, const cases::Array& expected,
                           const cases::Array& actual, const std::vector<double>& bounds,
                           double overflow_at) {
  OutputCheck check;
  check.name = name;
  const cases::DatasetDefinition* definition = cases::find_output_dataset(name);
  check.integer = definition != nullptr && definition->element == cases::Element::integer;
  check.elements = expected.values.size();
  if (actual.shape != expected.shape) {
    check.passed = false;
    check.reason = "shape " + reference::format_shape(actual.shape) + " but expected " +
                   reference::format_shape(expected.shape);
    return check;
  }
  WorstElements worst(kWorstElements);
  for (std::size_t i = 0; i < expected.values.size(); ++i) {
    const double e = expected.values[i];
    const double a = actual.values[i];
    const std::string why = element_failure(e, a, std::fabs(a - e), bounds[i], overflow_at);
    // A matched special value (NaN for NaN, an accepted infinity) is no error.
    const bool special = !std::isfinite(e) || !std::isfinite(a);
    const double error = special && why.empty() ? 0.0 : std::fabs(a - e);
    // The worst element: the largest error relative to its bound; non-finite mismatches first.
    double score = 0;
    const bool ratio_defined = std::isfinite(e) && std::isfinite(a) && std::isfinite(bounds[i]);
    if (ratio_defined) score = bounds[i] > 0 ? error / bounds[i] : (error > 0 ? INFINITY : 0);
    if (is_informative(e, bounds[i])) ++check.informative;
    if (bounds[i] != kAnyValue) {  // a checked element
      if (!why.empty() && !ratio_defined) {
        ++check.non_finite_mismatches;
      } else {
        // error > bound gives error / bound > 1 (correctly rounded division of a > b is
        // never 1), so that a finite element out of its bound always counts above 1.
        ++check.ratio_histogram[ratio_bin(score)];
      }
    }
    if (!why.empty()) {
      ++check.out_of_bound;
      if (score <= 1) score = INFINITY;
    }
    worst.offer({score, i, std::isfinite(error) ? error : INFINITY});
  }
  for (const ScoredElement& w : worst.worst_first()) {
    check.worst.push_back({index_text(expected.shape, w.index), expected.values[w.index],
                           actual.values[w.index], w.error, bounds[w.index]});
  }
  if (!check.worst.empty()) {
    const ElementError& w = check.worst.front();
    check.error = w.error;
    check.bound = w.bound;
    check.index = w.index;
    check.expected = w.expected;
    check.actual = w.actual;
    check.reason = element_failure(w.expected, w.actual, std::fabs(w.actual - w.expected), w.bound,
                                   overflow_at);
  }
  check.passed = check.out_of_bound == 0;
  check.reason = check.passed ? "" : failure_reason(check);
  return check;
}

}  // namespace bnconf::conformance
