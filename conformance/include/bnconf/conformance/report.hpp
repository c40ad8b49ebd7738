// The report of a conformance run: the results so far and the run's facts, written as JSON (the
// contract's fields), JUnit XML, a self-contained HTML page and the terminal summary
// (report_writers.hpp). Files are
// rewritten atomically (an exclusive temporary file, then rename) at most every kRewriteInterval
// while cases finish and once at the end, so a run killed midway still leaves a valid report of
// what finished up to that interval before; each is locked for the run, so that two runs cannot
// write one report; any text (a backend's message, an id, a path) is written as valid UTF-8 JSON
// and well-formed XML 1.0.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bnconf/conformance/result.hpp"

namespace bnconf::conformance {

struct RunInfo {
  std::string backend_name;
  std::string backend_version;
  std::string backend_origin;
  std::vector<std::string> fixtures;
  std::size_t selected = 0;  // cases selected for the run
  std::vector<std::string> load_errors;
  std::string rule = "error_model";  // what the bounds come from
  std::string expectations = "";     // the --expect file, if any
  // --expect entries that matched selected cases none of which failed.
  std::vector<std::string> stale_expectations = {};
  // The command's exit status (docs/exit-codes.md) and what it means, once the command has
  // decided it after the run; -1 until then.
  int exit_status = -1;
  std::string exit_meaning = "";
};

class ReportFile;

class Report {
 public:
  // `paths`: report format name (report_formats.hpp) -> file; throws std::invalid_argument for
  // an unknown format and std::runtime_error, naming the path, for a destination that cannot
  // take a report (not a regular file, locked by another run, not writable).
  // `rewrite_interval`: the least time between two rewrites while cases finish.
  explicit Report(RunInfo info, std::map<std::string, std::string> paths = {},
                  std::chrono::milliseconds rewrite_interval = kRewriteInterval);
  Report(Report&&) noexcept;
  Report& operator=(Report&&) noexcept;
  ~Report();

  static constexpr std::chrono::milliseconds kRewriteInterval{1000};

  void add(CaseResult result);  // and rewrite the report files when kRewriteInterval has passed
  void finish();                // marks the report complete and writes it a last time
  void set_stale_expectations(std::vector<std::string> stale);
  // Records the command's exit status and its meaning, and writes the report files once more.
  void set_exit_status(int status, std::string meaning);

  // Cases that did not pass (fail, crash, timeout, backend error) and no --expect entry explains.
  std::size_t unexplained_count() const;
  std::size_t expected_failure_count() const;

  const std::vector<CaseResult>& results() const { return results_; }
  bool complete() const { return complete_; }
  std::map<CaseStatus, std::size_t> counts() const;
  const RunInfo& info() const { return info_; }

  // "tests:214 pass:200 fail:2 unsupported:12 crash:0 timeout:0 backend_error:0
  // internal_error:0 resource_limit:0 mistrusted:0"
  std::string count_line() const;
  // Report files the last rewrite could not write, one line each naming the path and why; each
  // still holds the last report that could be written. A later rewrite retries them.
  std::vector<std::string> write_errors() const;
  // Table of statuses by tier and operation, then terminal_problems().
  std::string terminal_summary() const;
  // One block per case that did not pass (and its rerun line), then load errors and stale
  // expectations: all a quiet run prints before the count line.
  std::string terminal_problems() const;

 private:
  void write_files();
  RunInfo info_;
  std::map<std::string, std::string> paths_;
  std::map<std::string, std::unique_ptr<ReportFile>> files_;  // by format
  std::map<std::string, std::string> write_errors_;           // by path
  std::chrono::milliseconds rewrite_interval_;
  std::chrono::steady_clock::time_point last_write_{};
  std::vector<CaseResult> results_;
  bool complete_ = false;
};

// Writes `text` to `path` atomically (as a report file, without the lock); throws
// std::runtime_error naming the path.
void write_atomically(const std::string& path, const std::string& text);

// Creates the directories missing above a report's path (`--json out/today/report.json`);
// throws std::runtime_error naming the directory that cannot be made. Once, when a run starts
// (a Report does it for its files): a directory removed while the run goes on is a write error,
// not made again.
void create_report_directories(const std::string& path);

}  // namespace bnconf::conformance
