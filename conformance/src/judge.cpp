#include "bnconf/conformance/judge.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "bnconf/cases/operations.hpp"
#include "bnconf/conformance/rounding_bias.hpp"
#include "bnconf/ieee/rounding.hpp"

namespace bnconf::conformance {
namespace {

using cases::CallStatus;

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

// Statuses other than a completed ok call: declined, rejected, or an error.
void judge_call_status(const cases::Case& c, const Execution& e, CaseResult& result) {
  const std::string backend_said = e.message.empty() ? "" : ": " + e.message;
  if (c.spec.operation == cases::Operation::error) {
    if (e.status == CallStatus::ok) {
      result.status = CaseStatus::fail;
      result.message = "accepted invalid input (expected rejection: " +
                       std::string(reference::to_string(*c.spec.expected_error)) + ")";
    } else {
      result.status = CaseStatus::pass;
      result.message = "rejected" + backend_said;
    }
  } else if (e.status == CallStatus::invalid_argument || e.status == CallStatus::backend_error) {
    result.status = CaseStatus::backend_error;
    result.message = std::string(e.status == CallStatus::invalid_argument ? "rejected a valid case"
                                                                          : "reported an error") +
                     backend_said;
  }
}

std::string ulps(double v) {
  std::ostringstream out;
  out.precision(3);
  out << v;
  return out.str();
}

std::string rounding_bias_reason(const RoundingBias& b) {
  const bool toward_zero = std::fabs(b.mean_toward_zero) > std::fabs(b.mean_ulps);
  const double mean = toward_zero ? b.mean_toward_zero : b.mean_ulps;
  return "systematic rounding: mean error " + ulps(mean) + " ulp" +
         (toward_zero ? " toward zero" : "") + " over " + std::to_string(b.elements) +
         " elements, beyond the +-" + ulps(b.bound_ulps) +
         " ulp a round-to-nearest backend stays within (every element within its bound)";
}

// The dtype an output is stored in: activations in the case's dtype; per-channel and other
// outputs in the accumulation dtype (f64 for f64 cases, float otherwise: docs/semantics.md).
ieee::Dtype storage_dtype(const cases::DatasetUse& use, const cases::CaseSpec& spec) {
  const bool activation = use.shape == cases::ShapeRule::activation ||
                          use.shape == cases::ShapeRule::stepped_activation;
  if (activation || spec.dtype == ieee::Dtype::f64) return spec.dtype;
  return ieee::Dtype::f32;
}

// An output the judge did not compare, and why: it stays in the result so that no report can
// read as if it had been checked.
OutputCheck not_checked(const std::string& name, const std::string& why) {
  OutputCheck check;
  check.name = name;
  check.not_checked = why;
  return check;
}

// Every output the operation table lists for the case, against its bounds (computed once).
void judge_outputs(const cases::Case& c, const Execution& e, CaseResult& result,
                   const ToleranceRule& rule) {
  const CaseBounds bounds = case_bounds(rule, c);
  std::vector<std::string> failed;
  std::size_t informative = 0;
  for (const auto& use : cases::row_of(c.spec.operation).outputs) {
    const std::string name(use.name);
    if (!cases::present(use, c.spec)) continue;
    if (std::find(e.unchecked.begin(), e.unchecked.end(), name) != e.unchecked.end()) {
      result.outputs.push_back(
          not_checked(name, "declared unchecked by the producer" +
                                (e.unchecked_reason.empty() ? "" : ": " + e.unchecked_reason)));
      continue;
    }
    const auto expected = c.expected.find(name);
    if (expected == c.expected.end()) {
      throw std::invalid_argument("case " + c.spec.id + " has no expected output " + name);
    }
    const auto found = e.outputs.find(name);
    if (found == e.outputs.end()) {
      // Batch statistics are optional outputs (BNCONF_FEATURE_SAVED_STATS).
      if (use.group == cases::OutputGroup::batch_statistics) {
        result.outputs.push_back(
            not_checked(name, "not produced (batch statistics are optional outputs)"));
        continue;
      }
      OutputCheck missing;
      missing.name = name;
      missing.elements = missing.out_of_bound = expected->second.values.size();
      missing.passed = false;
      missing.reason = "not produced by the backend";
      result.outputs.push_back(missing);
      failed.push_back(name);
      continue;
    }
    const ieee::Dtype storage = storage_dtype(use, c.spec);
    OutputCheck check = compare_output(name, expected->second, found->second, bounds.at(name),
                                       ieee::overflow_threshold(storage));
    // The aggregate check judges a correct backend's rounding, which only the error model
    // assumes (fixed rules are compared element by element, as their suites do).
    if (!rule.fixed && check.passed) {
      check.rounding_bias =
          rounding_bias(expected->second, found->second, storage, bounds.at(name));
      if (!check.rounding_bias.passed) {
        check.passed = false;
        check.reason = rounding_bias_reason(check.rounding_bias);
      }
    }
    if (!check.passed) failed.push_back(name);
    informative += check.informative;
    result.outputs.push_back(check);
  }
  if (!failed.empty()) {
    result.status = CaseStatus::fail;
    result.message = "out of bound: " + joined(failed);
  } else if (informative == 0) {
    result.status = CaseStatus::mistrusted;
    result.message = "no checked element can tell a wrong formula from a right one";
  } else {
    result.status = CaseStatus::pass;
  }
}

}  // namespace

void judge_execution(const cases::Case& c, const Execution& e, CaseResult& result,
                     const ToleranceRule& rule) {
  if (!e.internal_error.empty()) {
    result.status = CaseStatus::internal_error;
    result.message = "bnconf internal error: " + e.internal_error;
    return;
  }
  if (e.status == CallStatus::unsupported) {
    result.status = CaseStatus::unsupported;
    result.message = "the backend declined the case" + (e.message.empty() ? "" : ": " + e.message);
    return;
  }
  judge_call_status(c, e, result);
  if (!e.violations.empty()) {
    result.status = CaseStatus::fail;
    result.message = "misbehaved: ";
    for (std::size_t i = 0; i < e.violations.size(); ++i) {
      result.message += (i ? "; " : "") + e.violations[i];
    }
    return;
  }
  if (c.spec.operation == cases::Operation::error || e.status != CallStatus::ok) return;
  judge_outputs(c, e, result, rule);
  if (!e.unchecked.empty()) {
    result.message += (result.message.empty() ? "" : "; ") +
                      ("not checked: " + joined(e.unchecked)) + " (" + e.unchecked_reason + ")";
  }
}

void judge_incomplete(const IsolatedRun& run, CaseResult& result) {
  result.status = run.outcome == Outcome::timed_out ? CaseStatus::timeout : CaseStatus::crash;
  result.message = run.detail;
}

}  // namespace bnconf::conformance
