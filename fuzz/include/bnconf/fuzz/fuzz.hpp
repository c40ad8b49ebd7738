// `bnconf fuzz` (docs/fuzzing.md): cases drawn from the input space (draw.hpp) run on a backend
// in the same isolated child as `bnconf run` and judged by the same model; every failure is
// shrunk to a minimal case that fails the same output the same way (shrink.hpp), written as a
// fixture file with a one-line repro, and reported once per distinct failure.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bnconf/conformance/backend.hpp"
#include "bnconf/conformance/result.hpp"
#include "bnconf/fuzz/draw.hpp"
#include "bnconf/fuzz/outcome.hpp"

namespace bnconf::fuzz {

struct FuzzOptions {
  std::uint64_t seed = 1;
  std::optional<std::size_t> cases;  // stop after this many executed cases
  std::optional<double> seconds;     // stop after this long (whichever comes first)
  DrawLimits limits;
  std::string out_dir;  // where reproducers are written; empty: none
  // Per case, as `bnconf run` applies them (conformance::RunOptions); unset: the defaults.
  double timeout_seconds = 60;
  std::optional<std::uint64_t> memory_limit_bytes;  // 0: none
  std::optional<std::uint64_t> cpu_limit_seconds;   // 0: none
  std::size_t max_shrink_runs = 200;                // per finding
  std::size_t stop_after_findings = 0;              // 0: never stop early
};

struct Progress {
  std::size_t executed = 0;
  std::size_t findings = 0;
  double seconds = 0;
};

struct Finding {
  Outcome outcome;                  // of the shrunk case: status, operation, output, kind
  std::size_t occurrences = 0;      // drawn cases that failed this way
  std::uint64_t first_index = 0;    // the draw that showed it first
  nlohmann::ordered_json original;  // that draw's case object
  nlohmann::ordered_json shrunk;    // the minimal case object that still fails the same way
  conformance::CaseResult result;   // the shrunk case's verdict
  std::size_t shrink_runs = 0;
  std::string repro_file;     // the shrunk case as a fixture file (when out_dir is set)
  std::string repro_command;  // bnconf run --backend ... --fixtures <repro_file>
};

struct FuzzReport {
  std::string backend_name, backend_version, backend_origin;
  std::uint64_t seed = 0;
  std::string bnconf_version;
  std::size_t drawn = 0;        // case numbers drawn
  std::size_t executed = 0;     // cases run on the backend (findings' shrinking not counted)
  std::size_t unsupported = 0;  // drawn but needing what the backend does not declare
  std::size_t unbuildable = 0;  // drawn but not a case (e.g. M = 1 with Bessel's correction)
  std::map<conformance::CaseStatus, std::size_t> statuses;  // of the executed cases
  std::vector<Finding> findings;                            // distinct failures
  double seconds = 0;
  bool complete = false;  // false while running, or when stopped by a signal
};

// Fuzzes `backend`; `progress` (optional) is called after every case. `backend_argument` is what
// the repro commands name the backend by (as given on the command line).
FuzzReport fuzz(const conformance::Backend& backend, const std::string& backend_argument,
                const FuzzOptions& options,
                const std::function<void(const Progress&)>& progress = {});

// The report as JSON (docs/fuzzing.md, "The report").
nlohmann::ordered_json fuzz_report_json(const FuzzReport& report);

}  // namespace bnconf::fuzz
