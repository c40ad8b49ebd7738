// What a conformance run found for one case: its status and, per checked output, the worst
// element against its bound. The report writers (JSON, JUnit, terminal, matrix) read this model
// and nothing else. The statuses are a table, written once.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bnconf/cases/case.hpp"

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
  resource_limit
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

// A result naming the case, status pass, no outputs yet.
CaseResult new_result(const cases::Case& c);

}  // namespace bnconf::conformance
