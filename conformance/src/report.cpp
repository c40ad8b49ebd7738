#include "bnconf/conformance/report.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "bnconf/conformance/report_formats.hpp"
#include "report_writers.hpp"

namespace bnconf::conformance {

void write_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error(path + ": cannot be written");
  }
  std::filesystem::rename(temporary, path);
}

Report::Report(RunInfo info, std::map<std::string, std::string> paths,
               std::chrono::milliseconds rewrite_interval)
    : info_(std::move(info)), paths_(std::move(paths)), rewrite_interval_(rewrite_interval) {
  for (const auto& [format, path] : paths_) {
    if (!find_report_format(format)) {
      throw std::invalid_argument("no report format '" + format + "' (for " + path + ")");
    }
  }
  write_files();
}

void Report::add(CaseResult result) {
  results_.push_back(std::move(result));
  // Rendering the whole report after every case costs O(cases^2) (a minute for 900 cases);
  // rewriting at most every rewrite_interval_ bounds what a killed run loses to that interval.
  const auto now = std::chrono::steady_clock::now();
  if (now - last_write_ >= rewrite_interval_) write_files();
}

void Report::set_stale_expectations(std::vector<std::string> stale) {
  info_.stale_expectations = std::move(stale);
}

std::size_t Report::expected_failure_count() const {
  std::size_t n = 0;
  for (const auto& r : results_) n += r.expected_failure.empty() ? 0 : 1;
  return n;
}

std::size_t Report::unexplained_count() const {
  std::size_t n = 0;
  for (const auto& r : results_) {
    const bool bad = is_problem(r.status);
    n += bad && r.expected_failure.empty() ? 1 : 0;
  }
  return n;
}

void Report::finish() {
  complete_ = true;
  write_files();
}

std::map<CaseStatus, std::size_t> Report::counts() const {
  std::map<CaseStatus, std::size_t> counts;
  for (auto s : all_statuses()) counts[s] = 0;
  for (const auto& r : results_) ++counts[r.status];
  return counts;
}

std::string Report::count_line() const {
  std::string line = "tests:" + std::to_string(results_.size());
  for (const auto& [status, n] : counts())
    line += " " + to_string(status) + ":" + std::to_string(n);
  if (!info_.expectations.empty()) {
    line += " (expected failures:" + std::to_string(expected_failure_count()) +
            " unexplained:" + std::to_string(unexplained_count()) + ")";
  }
  return line;
}

void Report::write_files() {
  last_write_ = std::chrono::steady_clock::now();
  for (const auto& [format, path] : paths_) {
    if (!path.empty()) write_atomically(path, find_report_format(format)->render(*this));
  }
}

namespace {

constexpr ReportFormat kFormats[] = {
    {"json", "Write the JSON report here (rewritten every second and at the end)", json_report},
    {"junit", "Write a JUnit XML report here (rewritten every second and at the end)", junit_report},
};

}  // namespace

std::span<const ReportFormat> report_formats() { return kFormats; }

const ReportFormat* find_report_format(std::string_view name) {
  for (const auto& format : kFormats) {
    if (format.name == name) return &format;
  }
  return nullptr;
}

std::string Report::terminal_summary() const { return terminal_report(*this); }

}  // namespace bnconf::conformance
