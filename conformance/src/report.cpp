#include "bnconf/conformance/report.hpp"

#include <chrono>
#include <stdexcept>

#include "bnconf/conformance/report_formats.hpp"
#include "report_file.hpp"
#include "report_writers.hpp"

namespace bnconf::conformance {

Report::Report(RunInfo info, std::map<std::string, std::string> paths,
               std::chrono::milliseconds rewrite_interval)
    : info_(std::move(info)), paths_(std::move(paths)), rewrite_interval_(rewrite_interval) {
  for (const auto& [format, path] : paths_) {
    if (!find_report_format(format)) {
      throw std::invalid_argument("no report format '" + format + "' (for " + path + ")");
    }
  }
  for (const auto& [format, path] : paths_) {
    if (!path.empty()) files_[format] = std::make_unique<ReportFile>(path);
  }
  write_files();
  // A destination that cannot be written at the start is an error of the command line, before
  // any case runs.
  if (!write_errors_.empty()) throw std::runtime_error(write_errors_.begin()->second);
}

Report::Report(Report&&) noexcept = default;
Report& Report::operator=(Report&&) noexcept = default;
Report::~Report() = default;

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

void Report::set_exit_status(int status, std::string meaning) {
  info_.exit_status = status;
  info_.exit_meaning = std::move(meaning);
  write_files();
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
  for (const auto& [format, file] : files_) {
    try {
      file->write(find_report_format(format)->render(*this));
      write_errors_.erase(file->path());
    } catch (const std::exception& e) {
      // The run goes on; the file keeps its last complete report and the next rewrite retries.
      write_errors_[file->path()] = e.what();
    }
  }
}

std::vector<std::string> Report::write_errors() const {
  std::vector<std::string> errors;
  for (const auto& [path, error] : write_errors_) errors.push_back(error);
  return errors;
}

namespace {

constexpr ReportFormat kFormats[] = {
    {"json", "Write the JSON report here (rewritten every second and at the end)", json_report},
    {"junit", "Write a JUnit XML report here (rewritten every second and at the end)",
     junit_report},
    {"html",
     "Write a self-contained HTML report here: summaries, how close to their bounds the elements "
     "run, and plots of each failed output (rewritten every second and at the end)",
     html_report},
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
std::string Report::terminal_problems() const { return conformance::terminal_problems(*this); }

}  // namespace bnconf::conformance
