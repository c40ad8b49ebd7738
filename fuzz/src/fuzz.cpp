// fuzz.hpp: the loop — draw, run, judge; on a new failure shrink it and write its reproducer.
#include "bnconf/fuzz/fuzz.hpp"

#include <chrono>
#include <filesystem>

#include "bnconf/formats/fixture_file.hpp"
#include "bnconf/generators/generate.hpp"
#include "bnconf/version.h"
#include "shrink.hpp"
#include "trial.hpp"

namespace bnconf::fuzz {
namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// Draws are numbered; a draw that is not a case for this backend is replaced by the next number,
// at most this many times in a row (a backend that declares almost nothing).
constexpr std::size_t kRedraws = 64;

std::string case_id(const Json& case_object, std::uint64_t seed, std::uint64_t index) {
  return tier_of(case_object) + ".fuzz.s" + std::to_string(seed) + ".c" + std::to_string(index);
}

// Quotes an argument for a POSIX shell when it needs it.
std::string shell_word(const std::string& word) {
  if (word.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+") ==
      std::string::npos) {
    return word;
  }
  std::string quoted = "'";
  for (const char ch : word) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return quoted + "'";
}

void write_reproducer(Finding& f, const Trial& trial, const std::string& backend_argument,
                      const FuzzOptions& options) {
  if (options.out_dir.empty()) return;
  // A fixture set of its own (the case's tier file and a manifest), so that `run` verifies it.
  const std::string path = (std::filesystem::path(options.out_dir) / trial.c.spec.id).string();
  generators::write_case_set({trial.c}, "fuzz seed " + std::to_string(options.seed), path);
  f.repro_file = path;
  f.repro_command =
      "bnconf run --backend " + shell_word(backend_argument) + " --fixtures " + shell_word(path);
}

class Fuzzer {
 public:
  Fuzzer(const conformance::Backend& backend, const std::string& backend_argument,
         const FuzzOptions& options)
      : backend_(backend), argument_(backend_argument), options_(options) {
    report_.backend_name = backend.name();
    report_.backend_version = backend.version();
    report_.backend_origin = backend.origin();
    report_.seed = options.seed;
    report_.bnconf_version = BNCONF_VERSION;
    run_options_.timeout_seconds = options.timeout_seconds;
    run_options_.memory_limit_bytes = options.memory_limit_bytes;
    run_options_.cpu_limit_seconds = options.cpu_limit_seconds;
  }

  FuzzReport run(const std::function<void(const Progress&)>& progress) {
    const auto start = Clock::now();
    std::uint64_t index = 0;
    std::size_t misses = 0;
    while (!done(start)) {
      const Json drawn = draw_case(options_.seed, index, backend_.capabilities(), options_.limits);
      ++report_.drawn;
      if (drawn.is_null()) break;  // the backend declares nothing drawable
      const Trial trial =
          run_trial(backend_, drawn, case_id(drawn, options_.seed, index), run_options_);
      if (trial.state != Trial::State::ran) {
        ++(trial.state == Trial::State::unsupported ? report_.unsupported : report_.unbuildable);
        if (++misses >= kRedraws) break;
        ++index;
        continue;
      }
      misses = 0;
      ++report_.executed;
      ++report_.statuses[trial.result.status];
      const Outcome outcome = outcome_of(trial.result);
      if (outcome.failed()) record(outcome, drawn, index, trial);
      ++index;
      report_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      if (progress) progress({report_.executed, report_.findings.size(), report_.seconds});
    }
    report_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    report_.complete = true;
    return report_;
  }

 private:
  bool done(Clock::time_point start) const {
    if (options_.cases && report_.executed >= *options_.cases) return true;
    if (options_.seconds &&
        std::chrono::duration<double>(Clock::now() - start).count() >= *options_.seconds) {
      return true;
    }
    return options_.stop_after_findings > 0 &&
           report_.findings.size() >= options_.stop_after_findings;
  }

  // A failure: counted against the finding it repeats, or shrunk and written as a new one.
  // Failures are told apart by the outcome of the drawn case (status, operation, output, kind).
  void record(const Outcome& outcome, const Json& drawn, std::uint64_t index, const Trial& trial) {
    for (auto& [seen, finding] : seen_) {
      if (seen == outcome) {
        ++report_.findings[finding].occurrences;
        return;
      }
    }
    Finding f;
    f.occurrences = 1;
    f.first_index = index;
    f.original = drawn;
    const std::string id = trial.c.spec.id;
    auto attempt = [&](const Json& candidate) -> std::optional<Outcome> {
      const Trial t = run_trial(backend_, candidate, id, run_options_);
      if (t.state != Trial::State::ran) return std::nullopt;
      return outcome_of(t.result);
    };
    std::tie(f.shrunk, f.shrink_runs) = shrink(drawn, outcome, attempt, options_.max_shrink_runs);
    const Trial shrunk = run_trial(backend_, f.shrunk, id, run_options_);
    f.result = shrunk.result;
    f.outcome = outcome_of(shrunk.result);
    write_reproducer(f, shrunk, argument_, options_);
    seen_.emplace_back(outcome, report_.findings.size());
    report_.findings.push_back(std::move(f));
  }

  const conformance::Backend& backend_;
  std::string argument_;
  FuzzOptions options_;
  conformance::RunOptions run_options_;  // each case's limits, as `bnconf run` sets them
  FuzzReport report_;
  std::vector<std::pair<Outcome, std::size_t>> seen_;  // outcome of a drawn case -> finding
};

Json output_json(const conformance::OutputCheck& o) {
  Json j = {{"name", o.name}, {"passed", o.passed}, {"reason", o.reason}};
  if (!o.passed) {
    j["worst_index"] = o.index;
    j["expected"] = o.expected;
    j["actual"] = o.actual;
    j["error"] = o.error;
    j["bound"] = o.bound;
  }
  return j;
}

}  // namespace

FuzzReport fuzz(const conformance::Backend& backend, const std::string& backend_argument,
                const FuzzOptions& options, const std::function<void(const Progress&)>& progress) {
  return Fuzzer(backend, backend_argument, options).run(progress);
}

Json fuzz_report_json(const FuzzReport& r) {
  Json statuses = Json::object();
  for (const auto& row : conformance::status_table()) {
    const auto it = r.statuses.find(row.status);
    statuses[std::string(row.name)] = it == r.statuses.end() ? 0 : it->second;
  }
  Json findings = Json::array();
  for (const auto& f : r.findings) {
    Json outputs = Json::array();
    for (const auto& o : f.result.outputs) {
      if (!o.passed) outputs.push_back(output_json(o));
    }
    findings.push_back({{"failure", f.outcome.text()},
                        {"occurrences", f.occurrences},
                        {"first_draw", f.first_index},
                        {"case", f.result.id},
                        {"message", f.result.message},
                        {"failing_outputs", outputs},
                        {"shrink_runs", f.shrink_runs},
                        {"shrunk", f.shrunk},
                        {"original", f.original},
                        {"repro_file", f.repro_file},
                        {"repro", f.repro_command}});
  }
  return {
      {"backend",
       {{"name", r.backend_name}, {"version", r.backend_version}, {"origin", r.backend_origin}}},
      {"bnconf_version", r.bnconf_version},
      {"seed", r.seed},
      {"complete", r.complete},
      {"seconds", r.seconds},
      {"drawn", r.drawn},
      {"executed", r.executed},
      {"unsupported_draws", r.unsupported},
      {"unbuildable_draws", r.unbuildable},
      {"statuses", statuses},
      {"findings", findings}};
}

}  // namespace bnconf::fuzz
