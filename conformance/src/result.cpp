#include "bnconf/conformance/result.hpp"

#include <cmath>
#include <cstdio>

#include "bnconf/ieee/dtype.hpp"

namespace bnconf::conformance {
namespace {

using S = CaseStatus;

constexpr StatusRow kStatuses[] = {
    {S::pass, "pass", false, "", "every checked output within its bound (error cases: rejected)"},
    {S::fail, "fail", true, "failure",
     "an output out of bound, a wrong special value, a missing output, misbehaviour (guard "
     "bytes, modified inputs), or an invalid input accepted"},
    {S::unsupported, "unsupported", false, "skipped",
     "the backend does not declare what the case needs, or declined it: not a failure"},
    {S::crash, "crash", true, "error", "the case's process died (signal or exit) before a result"},
    {S::timeout, "timeout", true, "error", "no result within --timeout seconds; killed"},
    {S::backend_error, "backend_error", true, "error",
     "the backend reported an error, or rejected a valid case"},
    {S::internal_error, "internal_error", true, "error",
     "bnconf itself failed on this case (a bug of bnconf); the run went on"},
    {S::resource_limit, "resource_limit", true, "error",
     "the case's process exceeded a per-case limit (memory, CPU time, file size or result size; "
     "the message names it); killed"},
    {S::mistrusted, "mistrusted", false, "",
     "passed, but no checked element could tell a wrong formula from a right one (outputs empty, "
     "all zero, or bounds wider than half the value): not evidence of conformance"},
};

constexpr bool rows_in_enumerator_order() {
  for (std::size_t i = 0; i < std::size(kStatuses); ++i) {
    if (static_cast<std::size_t>(kStatuses[i].status) != i) return false;
  }
  return true;
}
static_assert(rows_in_enumerator_order());
static_assert(std::size(kStatuses) == static_cast<std::size_t>(CaseStatus::mistrusted) + 1);

}  // namespace

std::span<const StatusRow> status_table() { return kStatuses; }

std::string to_string(CaseStatus status) {
  const auto index = static_cast<std::size_t>(status);
  return index < std::size(kStatuses) ? std::string(kStatuses[index].name) : "?";
}

const std::vector<CaseStatus>& all_statuses() {
  static const std::vector<CaseStatus> statuses = [] {
    std::vector<CaseStatus> all;
    for (const auto& row : kStatuses) all.push_back(row.status);
    return all;
  }();
  return statuses;
}

bool is_problem(CaseStatus status) { return kStatuses[static_cast<std::size_t>(status)].problem; }

bool within_bounds(CaseStatus status) {
  return status == CaseStatus::pass || status == CaseStatus::mistrusted;
}

std::string value_text(double value, bool integer) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[400];  // %.0f of the largest double has 309 digits
  // %.0f writes the exact decimal value of a whole double; a fraction (a backend's counter is
  // whatever it wrote) keeps the 9 digits.
  const bool whole = integer && value == std::trunc(value);
  std::snprintf(buffer, sizeof buffer, whole ? "%.0f" : "%.9g", value);
  return buffer;
}

CaseResult new_result(const cases::Case& c) {
  CaseResult r;
  r.id = c.spec.id;
  r.tier = c.spec.tier;
  r.operation = std::string(cases::to_string(c.spec.operation));
  r.dtype = std::string(ieee::to_string(c.spec.dtype));
  r.layout = std::string(reference::to_string(c.spec.layout));
  r.description = c.spec.description;
  r.tags = c.spec.tags;
  r.shape = c.spec.shape;
  return r;
}

}  // namespace bnconf::conformance
