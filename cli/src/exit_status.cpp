// exit_status.hpp
#include "exit_status.hpp"

#include <algorithm>
#include <cstdio>

#include "bnconf/cases/operations.hpp"
#include "bnconf/cases/tiers.hpp"
#include "bnconf/ieee/dtype.hpp"
#include "bnconf/reference/tensor.hpp"

namespace bnconf::cli {
namespace {

namespace conf = bnconf::conformance;

bool has_item(const conf::CaseResult& r, const std::string& item) {
  return r.dtype == item || r.layout == item || r.operation == item || r.tier == item;
}

struct ExitRow {
  ExitStatus status;
  const char* meaning;
};

// The lines of docs/exit-codes.md, shortened.
constexpr ExitRow kExitRows[] = {
    {kPassed, "every selected case passed, or failed as the --expect file explains"},
    {kFailed, "a case failed without an explanation, or an --expect entry is stale"},
    {kUsageError,
     "bnconf could not do what was asked (a value, file or plug-in it cannot use, a fixture that "
     "did not load, a report that could not be written)"},
    {kNothingSelected, "the selection holds no case"},
    {kNothingRan,
     "nothing was tested (the backend declined every selected case), or --require or --min-pass "
     "is unmet"},
};

}  // namespace

std::string exit_meaning(int status) {
  for (const auto& row : kExitRows) {
    if (row.status == status) return row.meaning;
  }
  return "";
}

std::vector<std::string> requirable_names() {
  std::vector<std::string> names;
  for (const auto d : ieee::kAllDtypes) names.emplace_back(ieee::to_string(d));
  for (const auto l : reference::kAllLayouts) {
    names.emplace_back(reference::to_string(l));
  }
  for (const auto& row : cases::operation_table()) names.emplace_back(row.name);
  for (const auto& row : cases::tier_table()) names.emplace_back(row.name);
  return names;
}

int exit_status(const char* verb, const conf::Report& report, const Gate& gate) {
  for (const auto& error : report.write_errors()) {
    std::fprintf(stderr, "bnconf %s: report not written: %s\n", verb, error.c_str());
  }
  if (!report.info().load_errors.empty() || !report.write_errors().empty()) return kUsageError;
  if (report.unexplained_count() > 0 || !report.info().stale_expectations.empty()) return kFailed;
  const auto& results = report.results();
  if (results.empty()) {
    if (gate.allow_empty) return kPassed;
    std::fprintf(stderr,
                 "bnconf %s: no case selected (check --tier, --filter, --shard and --fixtures; "
                 "--allow-empty accepts this): exit status %d\n",
                 verb, kNothingSelected);
    return kNothingSelected;
  }
  const auto passed = static_cast<std::size_t>(
      std::count_if(results.begin(), results.end(),
                    [](const conf::CaseResult& r) { return conf::within_bounds(r.status); }));
  const bool ran_any = std::any_of(results.begin(), results.end(), [](const auto& r) {
    return r.status != conf::CaseStatus::unsupported;
  });
  if (!ran_any && !gate.allow_empty) {
    std::fprintf(stderr,
                 "bnconf %s: the backend declined all %zu selected cases (unsupported): nothing "
                 "was tested (--allow-empty accepts this): exit status %d\n",
                 verb, results.size(), kNothingRan);
    return kNothingRan;
  }
  int status = kPassed;
  if (passed < gate.min_pass) {
    std::fprintf(stderr, "bnconf %s: --min-pass %zu: only %zu cases passed: exit status %d\n", verb,
                 gate.min_pass, passed, kNothingRan);
    status = kNothingRan;
  }
  for (const auto& item : gate.require) {
    const bool met = std::any_of(results.begin(), results.end(), [&](const auto& r) {
      return conf::within_bounds(r.status) && has_item(r, item);
    });
    if (!met) {
      std::fprintf(stderr, "bnconf %s: --require %s: no %s case passed: exit status %d\n", verb,
                   item.c_str(), item.c_str(), kNothingRan);
      status = kNothingRan;
    }
  }
  return status;
}

}  // namespace bnconf::cli
