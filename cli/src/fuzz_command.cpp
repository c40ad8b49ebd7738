// bnconf fuzz: property-based conformance fuzzing of a backend (docs/fuzzing.md).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>

#include "bnconf/conformance/report.hpp"
#include "bnconf/fuzz/fuzz.hpp"
#include "bnconf/version.h"
#include "commands.hpp"
#include "validation.hpp"

namespace bnconf::cli {
namespace {

namespace conf = bnconf::conformance;

struct FuzzCommandOptions {
  std::string backend;
  std::size_t cases = 0;
  double seconds = 0;
  std::uint64_t seed = 1;
  std::size_t max_elements = 4096;
  std::string out;
  std::string json;
  CaseLimits limits;
  std::size_t max_shrink_runs = 200;
  std::size_t stop_after = 0;
  bool quiet = false;
};

// The largest --cases, --max-shrink-runs and --stop-after.
constexpr std::size_t kMaxCount = 1000000000;
// The largest --max-elements: a drawn x of 2^27 elements holds 1 GiB of doubles.
constexpr std::size_t kMaxElements = std::size_t{1} << 27;

void print_findings(const fuzz::FuzzReport& r) {
  for (std::size_t k = 0; k < r.findings.size(); ++k) {
    const auto& f = r.findings[k];
    std::printf("\nfinding %zu: %s  (%zu of %zu cases; first at draw %llu, shrunk in %zu runs)\n",
                k + 1, f.outcome.text().c_str(), f.occurrences, r.executed,
                static_cast<unsigned long long>(f.first_index), f.shrink_runs);
    std::printf("    case %s: %s\n", f.result.id.c_str(), f.result.message.c_str());
    for (const auto& o : f.result.outputs) {
      if (o.passed) continue;
      std::printf("    %s: %s\n", o.name.c_str(), o.reason.c_str());
      if (!o.index.empty()) {
        std::printf("      worst element %s: expected %s, actual %s, bound %.3g\n", o.index.c_str(),
                    conf::value_text(o.expected, o.integer).c_str(),
                    conf::value_text(o.actual, o.integer).c_str(), o.bound);
      }
    }
    std::printf("    minimal case: %s\n", f.shrunk.dump().c_str());
    if (!f.repro_command.empty()) std::printf("    repro: %s\n", f.repro_command.c_str());
  }
}

// The summary sentence (not with --quiet), the count line and the number of distinct failures.
void print_summary(const fuzz::FuzzReport& r, bool quiet) {
  if (!quiet) {
    std::printf(
        "\nfuzz: seed %llu, %zu cases run in %.1f s (%.0f/s); %zu drawn cases were not "
        "supported by the backend, %zu not valid cases\n",
        static_cast<unsigned long long>(r.seed), r.executed, r.seconds,
        r.seconds > 0 ? static_cast<double>(r.executed) / r.seconds : 0.0, r.unsupported,
        r.unbuildable);
  }
  std::string line;
  for (const auto& row : conf::status_table()) {
    const auto it = r.statuses.find(row.status);
    line += std::string(line.empty() ? "" : " ") + std::string(row.name) + ":" +
            std::to_string(it == r.statuses.end() ? 0 : it->second);
  }
  std::printf("%s\n", line.c_str());
  std::printf("%zu distinct failure%s\n", r.findings.size(), r.findings.size() == 1 ? "" : "s");
}

int run_fuzz(const FuzzCommandOptions& o) {
  fuzz::FuzzOptions options;
  options.seed = o.seed;
  if (o.cases > 0) options.cases = o.cases;
  if (o.seconds > 0) options.seconds = o.seconds;
  if (!options.cases && !options.seconds) options.cases = 1000;
  options.limits.max_elements = o.max_elements;
  options.out_dir = o.out;
  apply_case_limits(o.limits, options);
  options.max_shrink_runs = o.max_shrink_runs;
  options.stop_after_findings = o.stop_after;
  try {
    const conf::Backend backend = conf::Backend::open(o.backend);
    if (!o.quiet) {
      std::printf("bnconf fuzz: backend %s %s (%s), seed %llu\n", backend.name().c_str(),
                  backend.version().c_str(), backend.origin().c_str(),
                  static_cast<unsigned long long>(o.seed));
      std::fflush(stdout);
    }
    if (!o.json.empty()) {
      // The destination is checked before any case runs (a FIFO or a directory is refused), and
      // holds a valid report, marked incomplete, until the last one replaces it.
      fuzz::FuzzReport started;
      started.backend_name = backend.name();
      started.backend_version = backend.version();
      started.backend_origin = backend.origin();
      started.seed = o.seed;
      started.bnconf_version = BNCONF_VERSION;
      conf::create_report_directories(o.json);
      conf::write_atomically(o.json, fuzz::fuzz_report_json(started).dump(1) + "\n");
    }
    const bool terminal = !o.quiet && ::isatty(STDERR_FILENO) != 0;
    const fuzz::FuzzReport report =
        fuzz::fuzz(backend, o.backend, options, [&](const fuzz::Progress& p) {
          if (!terminal) return;
          std::fprintf(stderr, "\rfuzz: %zu cases, %zu distinct failures, %.0f s", p.executed,
                       p.findings, p.seconds);
          std::fflush(stderr);
        });
    if (terminal) std::fprintf(stderr, "\n");
    print_findings(report);
    print_summary(report, o.quiet);
    if (!o.json.empty()) {
      conf::write_atomically(o.json, fuzz::fuzz_report_json(report).dump(1) + "\n");
    }
    if (report.executed == 0) {
      std::fprintf(stderr, "bnconf fuzz: no drawn case was one the backend supports\n");
      return 2;
    }
    return report.findings.empty() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bnconf fuzz: %s\n", e.what());
    return 2;
  }
}

}  // namespace

Action add_fuzz_command(CLI::App& app) {
  auto o = std::make_shared<FuzzCommandOptions>();
  CLI::App* fuzz = app.add_subcommand(
      "fuzz",
      "Draw cases from the whole input space, run and judge them on a backend, and shrink every "
      "failure to a minimal fixture with a repro line (docs/fuzzing.md)");
  fuzz->add_option("--backend", o->backend,
                   "A bundled backend name (see `bnconf backends`) or a path to a shared library "
                   "implementing the adapter ABI")
      ->required();
  fuzz->add_option("--cases", o->cases, "Stop after this many cases (default 1000)")
      ->check(count_in(kMaxCount));
  fuzz->add_option("--seconds", o->seconds, "Stop after this many seconds")
      ->check(seconds_in(kMaxSeconds));
  fuzz->add_option("--seed", o->seed, "The draw sequence: the same seed replays the same cases");
  fuzz->add_option("--max-elements", o->max_elements, "Largest x drawn, in elements (default 4096)")
      ->check(count_in(kMaxElements));
  fuzz->add_option(
      "--out", o->out,
      "Write each finding's minimal case here, as a fixture set of its own (<out>/<case id>/)");
  fuzz->add_option("--json", o->json, "Write the fuzz report (JSON) here");
  add_case_limit_options(fuzz, o->limits);
  fuzz->add_option("--max-shrink-runs", o->max_shrink_runs,
                   "Runs allowed to shrink one finding (default 200)")
      ->check(count_up_to(kMaxCount));
  fuzz->add_option("--stop-after", o->stop_after,
                   "Stop once this many distinct failures are found (default: never)")
      ->check(count_up_to(kMaxCount));
  add_quiet_flag(fuzz, o->quiet);
  return [fuzz, o]() -> int { return fuzz->parsed() ? run_fuzz(*o) : -1; };
}

}  // namespace bnconf::cli
