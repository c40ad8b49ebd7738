// The terminal summary: statuses by tier and operation (the table), then one block per case that
// did not pass and the run's own problems (what --quiet keeps).
#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "report_writers.hpp"
#include "text.hpp"

namespace bnconf::conformance {
namespace {

// A column as wide as its heading (at least 6), right-aligned.
std::string cell(const std::string& text, std::size_t width) {
  return std::string(width > text.size() ? width - text.size() : 0, ' ') + text;
}

}  // namespace

// One line per output check of a failing case.
std::string failure_block(const CaseResult& r) {
  std::ostringstream out;
  out << to_string(r.status) << (r.expected_failure.empty() ? "" : " (expected)") << "  " << r.id
      << "  (" << r.dtype << ", " << r.layout << ", " << r.operation << ")\n";
  if (!r.message.empty()) out << "    " << r.message << "\n";
  if (!r.expected_failure.empty()) out << "    expected: " << r.expected_failure << "\n";
  for (const auto& o : r.outputs) {
    if (o.passed) continue;
    out << "    " << o.name << ": " << o.reason;
    if (!o.index.empty()) {
      // A counter's values every digit; a real output's error and bound to 3 (they are sizes).
      const auto size = [&o](double v) {
        return o.integer ? value_text(v, true) : short_number(v);
      };
      out << "\n      worst element " << o.index << ": expected "
          << value_text(o.expected, o.integer) << ", actual " << value_text(o.actual, o.integer)
          << ", error " << size(o.error) << ", bound " << size(o.bound);
    }
    out << "\n";
  }
  return out.str();
}

std::string terminal_table(const Report& report) {
  std::ostringstream out;
  // Table: rows tier/operation, one column per status of the status table.
  std::map<std::pair<std::string, std::string>, std::map<CaseStatus, std::size_t>> table;
  for (const auto& r : report.results()) ++table[{r.tier, r.operation}][r.status];
  char lead[64];
  std::snprintf(lead, sizeof lead, "%-8s %-15s %6s", "tier", "operation", "cases");
  out << lead;
  for (const auto& row : status_table()) {
    out << " " << cell(std::string(row.name), std::max<std::size_t>(row.name.size(), 6));
  }
  out << "\n";
  for (const auto& [key, counts] : table) {
    std::size_t total = 0;
    for (const auto& [s, n] : counts) total += n;
    std::snprintf(lead, sizeof lead, "%-8s %-15s %6zu", key.first.c_str(), key.second.c_str(),
                  total);
    out << lead;
    for (const auto& row : status_table()) {
      const auto found = counts.find(row.status);
      const std::size_t n = found == counts.end() ? 0 : found->second;
      out << " " << cell(std::to_string(n), std::max<std::size_t>(row.name.size(), 6));
    }
    out << "\n";
  }
  return out.str();
}

std::string terminal_problems(const Report& report) {
  const RunInfo& info = report.info();
  std::ostringstream out;
  std::size_t not_passed = 0;
  for (const auto& r : report.results()) {
    if (is_problem(r.status)) {
      if (not_passed++ == 0) out << "\nCases that did not pass:\n";
      out << failure_block(r) << "    rerun: " << rerun_command(info, r.id) << "\n";
    }
  }
  for (const auto& e : info.load_errors) out << "LOAD ERROR  " << e << "\n";
  for (const auto& s : info.stale_expectations) out << "STALE EXPECTATION  " << s << "\n";
  return out.str();
}

// Outputs the judge did not compare, by output and reason, with how many cases and one example:
// a run whose backend never writes, say, the batch statistics must not read as if it had been
// checked on them.
std::string terminal_not_checked(const Report& report) {
  std::map<std::pair<std::string, std::string>, std::pair<std::size_t, std::string>> groups;
  for (const auto& r : report.results()) {
    for (const auto& o : r.outputs) {
      if (o.not_checked.empty()) continue;
      auto& [count, example] = groups[{o.name, o.not_checked}];
      if (count++ == 0) example = r.id;
    }
  }
  if (groups.empty()) return "";
  std::ostringstream out;
  out << "\nOutputs not checked:\n";
  for (const auto& [key, value] : groups) {
    out << "    " << key.first << " in " << value.first << (value.first == 1 ? " case" : " cases")
        << " (e.g. " << value.second << "): " << key.second << "\n";
  }
  return out.str();
}

std::string terminal_report(const Report& report) {
  return terminal_table(report) + terminal_not_checked(report) + terminal_problems(report);
}

}  // namespace bnconf::conformance
