// The exit-status contract of `bnconf run` and `bnconf check` (docs/exit-codes.md): what a CI
// job can rely on. A gate must not go green with nothing tested: an empty selection and a run in
// which the backend declined every case have statuses of their own, and a job can state what its
// backend must pass (--require, --min-pass).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bnconf/conformance/report.hpp"

namespace bnconf::cli {

enum ExitStatus : int {
  kPassed = 0,           // every selected case passed, or failed as the --expect file explains
  kFailed = 1,           // a case failed, or an --expect entry is stale
  kUsageError = 2,       // a value, file or plug-in bnconf cannot use; a fixture that did not
                         // load; a report that could not be written
  kNothingSelected = 3,  // the selection (--tier, --filter, --shard, --fixtures) holds no case
  kNothingRan = 4,       // every selected case was unsupported, or --require/--min-pass unmet
};

// What a job requires beyond "nothing failed".
struct Gate {
  bool allow_empty = false;          // --allow-empty: 3 and 4 (when nothing ran) become 0
  std::size_t min_pass = 0;          // --min-pass N: at least N cases passed
  std::vector<std::string> require;  // --require: per item (a dtype, layout, operation or
                                     // tier), at least one passing case has it
};

// What a status means, one line (docs/exit-codes.md), for the reports; "" for another number.
std::string exit_meaning(int status);

// The names --require accepts: dtypes, layouts, operations and tiers.
std::vector<std::string> requirable_names();

// The status of a finished report, printing on stderr why it is not 0 where the report does not
// say it (nothing selected, nothing ran, a requirement unmet, a report not written).
int exit_status(const char* verb, const conformance::Report& report, const Gate& gate);

}  // namespace bnconf::cli
