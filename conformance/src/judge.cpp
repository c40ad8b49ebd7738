#include "bnconf/conformance/judge.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "bnconf/conformance/tolerance.hpp"

namespace bnconf::conformance {
namespace {

using formats::Array;

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

std::string number(double v) {
  std::ostringstream out;
  out.precision(9);
  out << v;
  return out.str();
}

// Compares one output element by element.
OutputCheck check_output(const std::string& name, const Array& expected, const Array& actual,
                         const std::vector<double>& bounds) {
  OutputCheck check;
  check.name = name;
  check.elements = expected.values.size();
  if (actual.shape != expected.shape) {
    check.passed = false;
    check.reason = "shape " + reference::format_shape(actual.shape) + " but expected " +
                   reference::format_shape(expected.shape);
    return check;
  }
  double worst_score = -1;
  for (std::size_t i = 0; i < expected.values.size(); ++i) {
    const double e = expected.values[i];
    const double a = actual.values[i];
    std::string why;
    double score = 0;
    double error = std::fabs(a - e);
    if (std::isnan(e)) {
      if (!std::isnan(a)) why = "a number where NaN is expected (NaN not propagated)";
    } else if (std::isinf(e)) {
      if (a != e)
        why = std::string(std::isnan(a) ? "NaN" : "a finite value") + " where " +
              (e > 0 ? "+inf" : "-inf") + " is expected";
    } else if (std::isnan(a)) {
      why = "NaN where a finite value is expected";
    } else if (std::isinf(a)) {
      why = "infinity where a finite value is expected";
    } else {
      score = bounds[i] > 0 ? error / bounds[i] : (error > 0 ? INFINITY : 0);
      if (error > bounds[i]) why = "error above bound";
    }
    if (!why.empty()) {
      ++check.out_of_bound;
      if (score <= 1) score = INFINITY;  // non-finite mismatches rank first
    }
    if (score > worst_score) {
      worst_score = score;
      check.error = std::isfinite(error) ? error : INFINITY;
      check.bound = bounds[i];
      check.index = index_text(expected.shape, i);
      check.expected = e;
      check.actual = a;
      if (!why.empty()) check.reason = why;
    }
  }
  check.passed = check.out_of_bound == 0;
  if (check.passed) check.reason.clear();
  if (!check.passed && check.reason == "error above bound") {
    check.reason = "error " + number(check.error) + " above bound " + number(check.bound) + " (" +
                   std::to_string(check.out_of_bound) + " of " + std::to_string(check.elements) +
                   " elements)";
  } else if (!check.passed) {
    check.reason += " (" + std::to_string(check.out_of_bound) + " of " +
                    std::to_string(check.elements) + " elements out of bound)";
  }
  return check;
}

// Batch statistics are optional (BNCONF_FEATURE_SAVED_STATS); anything else must be produced.
bool optional_output(const std::string& name) {
  return name == "batch_mean" || name == "batch_var" || name == "saved_invstd";
}

}  // namespace

std::string to_string(CaseStatus status) {
  switch (status) {
    case CaseStatus::pass:
      return "pass";
    case CaseStatus::fail:
      return "fail";
    case CaseStatus::unsupported:
      return "unsupported";
    case CaseStatus::crash:
      return "crash";
    case CaseStatus::timeout:
      return "timeout";
    case CaseStatus::backend_error:
      return "backend_error";
  }
  return "?";
}

const std::vector<CaseStatus>& all_statuses() {
  static const std::vector<CaseStatus> statuses{CaseStatus::pass,        CaseStatus::fail,
                                                CaseStatus::unsupported, CaseStatus::crash,
                                                CaseStatus::timeout,     CaseStatus::backend_error};
  return statuses;
}

CaseResult new_result(const formats::Case& c) {
  CaseResult r;
  r.id = c.spec.id;
  r.tier = c.spec.tier;
  r.operation = std::string(formats::to_string(c.spec.operation));
  r.dtype = std::string(random::to_string(c.spec.dtype));
  r.layout = std::string(reference::to_string(c.spec.layout));
  return r;
}

void judge_execution(const formats::Case& c, const Execution& e, CaseResult& result,
                     const ToleranceRule& rule) {
  const bool error_case = c.spec.operation == formats::Operation::error;
  const std::string backend_said = e.message.empty() ? "" : ": " + e.message;
  if (e.status == CallStatus::unsupported) {
    result.status = CaseStatus::unsupported;
    result.message = "the backend declined the case" + backend_said;
    return;
  }
  if (error_case) {
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
  if (!e.violations.empty()) {
    result.status = CaseStatus::fail;
    std::string all;
    for (const auto& v : e.violations) all += (all.empty() ? "" : "; ") + v;
    result.message = "misbehaved: " + all;
    return;
  }
  if (error_case || e.status != CallStatus::ok) return;
  result.status = CaseStatus::pass;
  for (const auto& [name, expected] : c.expected) {
    if (std::find(e.unchecked.begin(), e.unchecked.end(), name) != e.unchecked.end()) continue;
    const auto found = e.outputs.find(name);
    if (found == e.outputs.end()) {
      if (optional_output(name)) continue;
      OutputCheck missing{
          name, expected.values.size(),       expected.values.size(), false, 0, 0, "", 0,
          0,    "not produced by the backend"};
      result.outputs.push_back(missing);
      result.status = CaseStatus::fail;
      continue;
    }
    const OutputCheck check =
        check_output(name, expected, found->second, bounds_under(rule, c, name));
    if (!check.passed) result.status = CaseStatus::fail;
    result.outputs.push_back(check);
  }
  if (result.status == CaseStatus::fail) {
    std::string failed;
    for (const auto& o : result.outputs) {
      if (!o.passed) failed += (failed.empty() ? "" : ", ") + o.name;
    }
    result.message = "out of bound: " + failed;
  }
  if (!e.unchecked.empty()) {
    std::string names;
    for (const auto& name : e.unchecked) names += (names.empty() ? "" : ", ") + name;
    result.message += (result.message.empty() ? "" : "; ") + ("not checked: " + names) + " (" +
                      e.unchecked_reason + ")";
  }
}

void judge_incomplete(const IsolatedRun& run, CaseResult& result) {
  result.status = run.outcome == Outcome::timed_out ? CaseStatus::timeout : CaseStatus::crash;
  result.message = run.detail;
}

}  // namespace bnconf::conformance
