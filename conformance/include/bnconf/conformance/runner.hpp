// `bnconf run` and `bnconf check`: select fixture cases, execute them (on a backend, each in
// its own process) or read them (from a results file), judge them, and report.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bnconf/conformance/backend.hpp"
#include "bnconf/conformance/report.hpp"
#include "bnconf/conformance/tolerance.hpp"
#include "bnconf/formats/fixture_set.hpp"

namespace bnconf::conformance {

struct RunOptions {
  std::vector<std::string> fixtures;  // empty: the committed golden set
  std::vector<std::string> tiers;     // empty: every tier
  std::string filter;                 // gtest-style: "pos1:pos2-neg1:neg2", * and ? wildcards
  std::size_t shard_index = 0;        // --shard I/N: cases whose position % N == I
  std::size_t shard_count = 1;
  double timeout_seconds = 60;
  // Per-case limits beyond the timeout (isolation.hpp); unset: default_case_limits's.
  std::optional<std::uint64_t> memory_limit_bytes;  // 0: none
  std::optional<std::uint64_t> cpu_limit_seconds;   // 0: none
  std::map<std::string, std::string> reports;  // report format name -> file (report_formats.hpp)
  bool progress = false;                       // a progress bar on stderr
  ToleranceRule rule;                          // default: the error model
  std::string expectations_path;               // --expect: explained failures (expectations.hpp)
};

// The committed golden set: an installed bnconf's (<prefix>/share/bnconf/fixtures), else this
// source tree's.
std::string default_fixtures_path();

// Does `id` match a gtest-style filter? At most |filter| x |id| steps.
bool filter_matches(const std::string& filter, const std::string& id);

// The cases `options` selects, in fixture order.
std::vector<const cases::Case*> select_cases(const formats::FixtureSet& set,
                                             const RunOptions& options);

Report run_backend(const Backend& backend, const RunOptions& options);
// Runs cases built in memory (a fuzzer's, a test's) exactly as run_backend runs fixture cases:
// selected by the options' tiers, filter and shard, each in its own process, judged by the same
// rules; `origin` stands for the fixture paths in the report.
Report run_backend_on(const Backend& backend, const std::vector<cases::Case>& cases,
                      const std::string& origin, const RunOptions& options);
// Runs one case built in memory (a fuzzer's) as run_backend runs a fixture case, without a
// report: in a process of its own forked from this one (a plug-in is loaded there, never here),
// under the limits `options` sets (timeout, memory, CPU time, files; results bounded by the
// case's outputs), judged by options.rule. A case whose needs the backend does not declare is
// unsupported and not run; a failure of bnconf itself is an internal_error.
CaseResult run_case(const Backend& backend, const cases::Case& c, const RunOptions& options);
// Throws std::runtime_error if the results file is unusable as a whole.
Report check_results(const std::string& results_path, const RunOptions& options);

}  // namespace bnconf::conformance
