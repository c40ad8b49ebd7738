// What a conformance run found for one case: its status and, per checked output, its worst
// elements against their bounds and how all its checked elements lie against theirs (a histogram
// of error / bound). The judge fills it in the runner's process (a case's own process sends back
// only its outputs: isolation.hpp); the report writers (JSON, JUnit, terminal, matrix) read this
// model and nothing else. The statuses are a table, written once.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bnconf/cases/case.hpp"
#include "bnconf/conformance/ratio_bins.hpp"

namespace bnconf::conformance {

// Appended only: the order is the count line's.
enum class CaseStatus {
  pass,
  fail,
  unsupported,
  crash,
  timeout,
  backend_error,
  internal_error,
  resource_limit,
  mistrusted,
};

struct StatusRow {
  CaseStatus status;
  std::string_view name;           // in reports and on the count line
  bool problem;                    // fails the run unless an --expect entry explains it
  std::string_view junit_element;  // the JUnit child element ("" for a pass)
  std::string_view meaning;
};

// Every status, in the order of the count line.
std::span<const StatusRow> status_table();
std::string to_string(CaseStatus status);
const std::vector<CaseStatus>& all_statuses();
bool is_problem(CaseStatus status);
// pass or mistrusted: every checked output within its bound.
bool within_bounds(CaseStatus status);

// The aggregate check of an f16 or bf16 output (docs/tolerances.md, "Rounding bias"): the mean
// error in ulps of the storage dtype, plain and with the sign of the expected value (negative:
// toward zero), against the bound a correct round-to-nearest backend stays within.
struct RoundingBias {
  std::size_t elements = 0;  // independent samples (expected values 1/16 ulp apart or more);
                             // 0: not checked (wide dtype, or too few samples)
  double mean_ulps = 0;
  double mean_toward_zero = 0;
  double spread_ulps = 0;  // standard deviation of the errors in ulps
  double bound_ulps = 0;
  bool passed = true;
};

// One element of an output against its bound.
struct ElementError {
  std::string index;  // logical index, e.g. "[0, 2, 1, 3]"
  double expected = 0;
  double actual = 0;
  double error = 0;  // |actual - expected|; 0 for a matched special value, +inf for a mismatch
  double bound = 0;
};

// How many worst elements an output check keeps.
inline constexpr std::size_t kWorstElements = 16;

struct OutputCheck {
  std::string name;
  std::size_t elements = 0;
  std::size_t out_of_bound = 0;  // elements that failed
  bool passed = true;
  // At the worst element (largest error relative to its bound; non-finite mismatches first):
  double error = 0;
  double bound = 0;
  std::string index;  // logical index, e.g. "[0, 2, 1, 3]"
  double expected = 0;
  double actual = 0;
  std::string reason;  // why it failed, empty when it passed
  // Elements that can tell a wrong formula from a right one: an expected special value, or a
  // nonzero expected value with a bound below half its magnitude.
  std::size_t informative = 0;
  RoundingBias rounding_bias;
  // A counter (num_batches_tracked): its values print as whole numbers, every digit, since a
  // wrapped counter (2147483648 against -2147483648) reads as nothing in 9 significant digits.
  bool integer = false;
  // Every checked element (all but those any value passes) counted by error / bound
  // (ratio_bins.hpp); a special-value mismatch (a NaN, an infinity or a finite value where
  // another is expected), which has no ratio, in non_finite_mismatches instead.
  RatioHistogram ratio_histogram{};
  std::size_t non_finite_mismatches = 0;
  // The kWorstElements worst elements, worst first, in the order of the worst element above
  // (ties: the lower index first); the first is that element.
  std::vector<ElementError> worst = {};
  // Why the output was not checked at all (the producer declared it unchecked, or an optional
  // output the backend does not produce); empty when it was checked. Such an output passes with
  // no elements, and reports say so instead of leaving it out.
  std::string not_checked = {};
};

struct CaseResult {
  std::string id;
  std::string tier;
  std::string operation;
  std::string dtype;
  std::string layout;
  CaseStatus status = CaseStatus::pass;
  std::string message;  // one line: why it is not a pass
  std::vector<OutputCheck> outputs;
  double seconds = 0;
  // Set when the case did not pass and an --expect entry explains why ("kind: reason (issue)").
  std::string expected_failure;
  // What the case is, from its fixture: for reports a person acts on.
  std::string description;
  std::vector<std::string> tags;
  std::vector<std::size_t> shape;
};

// A value of an output as the reports write it in text: an integer output's exactly
// ("2147483648"), a real one to 9 significant digits (enough to tell two floats apart), and
// "nan", "inf", "-inf".
std::string value_text(double value, bool integer);

// A result naming the case, status pass, no outputs yet.
CaseResult new_result(const cases::Case& c);

}  // namespace bnconf::conformance
