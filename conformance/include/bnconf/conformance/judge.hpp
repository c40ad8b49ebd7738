// Verdicts: a backend's outputs for one case against the expected outputs and the tolerance
// model, with the same rules whether they came from `run` or from a results file (`check`).
#pragma once

#include <string>
#include <vector>

#include "bnconf/conformance/execute.hpp"
#include "bnconf/conformance/isolation.hpp"
#include "bnconf/conformance/tolerance.hpp"
#include "bnconf/formats/case.hpp"

namespace bnconf::conformance {

enum class CaseStatus { pass, fail, unsupported, crash, timeout, backend_error };
std::string to_string(CaseStatus status);
const std::vector<CaseStatus>& all_statuses();

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
};

CaseResult new_result(const formats::Case& c);

// Judges a completed execution. Error cases pass when the backend rejected the input.
void judge_execution(const formats::Case& c, const Execution& execution, CaseResult& result,
                     const ToleranceRule& rule = {});

// A run that did not complete (crash or timeout).
void judge_incomplete(const IsolatedRun& run, CaseResult& result);

}  // namespace bnconf::conformance
