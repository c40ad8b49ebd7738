// The report of a conformance run: the results so far and the run's facts, written as JSON (the
// contract's fields), JUnit XML and the terminal summary (report_writers.hpp). Files are
// rewritten atomically (write to a temporary file, then rename) at most every
// kRewriteInterval while cases finish and once at the end, so a run killed midway still leaves a
// valid report of what finished up to that interval before.
#pragma once

#include <chrono>
#include <map>
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
};

class Report {
 public:
  // `paths`: report format name (report_formats.hpp) -> file; throws std::invalid_argument for
  // an unknown format.
  // `rewrite_interval`: the least time between two rewrites while cases finish.
  explicit Report(RunInfo info, std::map<std::string, std::string> paths = {},
                  std::chrono::milliseconds rewrite_interval = kRewriteInterval);

  static constexpr std::chrono::milliseconds kRewriteInterval{1000};

  void add(CaseResult result);  // and rewrite the report files when kRewriteInterval has passed
  void finish();                // marks the report complete and writes it a last time
  void set_stale_expectations(std::vector<std::string> stale);

  // Cases that did not pass (fail, crash, timeout, backend error) and no --expect entry explains.
  std::size_t unexplained_count() const;
  std::size_t expected_failure_count() const;

  const std::vector<CaseResult>& results() const { return results_; }
  bool complete() const { return complete_; }
  std::map<CaseStatus, std::size_t> counts() const;
  const RunInfo& info() const { return info_; }

  // "tests:214 pass:200 fail:2 unsupported:12 crash:0 timeout:0 backend_error:0
  // internal_error:0"
  std::string count_line() const;
  // Table of statuses by tier and operation, then one block per failing case.
  std::string terminal_summary() const;

 private:
  void write_files();
  RunInfo info_;
  std::map<std::string, std::string> paths_;
  std::chrono::milliseconds rewrite_interval_;
  std::chrono::steady_clock::time_point last_write_{};
  std::vector<CaseResult> results_;
  bool complete_ = false;
};

// Writes `text` to `path` atomically.
void write_atomically(const std::string& path, const std::string& text);

}  // namespace bnconf::conformance
