#include "bnconf/conformance/runner.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <string_view>

#include "bnconf/cases/operations.hpp"
#include "bnconf/conformance/expectations.hpp"
#include "bnconf/conformance/isolation.hpp"
#include "bnconf/conformance/judge.hpp"
#include "bnconf/formats/install_layout.hpp"
#include "bnconf/formats/results_file.hpp"
#include "case_host.hpp"
#include "text.hpp"

namespace bnconf::conformance {
namespace {

// '*' and '?' wildcards, without backtracking: the classic greedy match that remembers only the
// last '*' and where it started matching, so a pattern like "*?*?*?*?Z" costs at most
// |pattern| x |text| steps instead of exponentially many.
bool glob(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      // Let the last '*' absorb one more character and retry from there.
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool any_matches(const std::string& patterns, const std::string& id) {
  std::stringstream list(patterns);
  for (std::string p; std::getline(list, p, ':');) {
    if (!p.empty() && glob(p, id)) return true;
  }
  return false;
}

formats::FixtureSet load(const RunOptions& options, RunInfo& info) {
  info.fixtures = options.fixtures.empty() ? std::vector<std::string>{default_fixtures_path()}
                                           : options.fixtures;
  formats::FixtureSet set = formats::load_fixture_set(info.fixtures);
  for (const auto& e : set.errors) info.load_errors.push_back(printable(e.to_string()));
  return set;
}

class Progress {
 public:
  Progress(bool enabled, std::size_t total) : enabled_(enabled && ::isatty(2)), total_(total) {}
  void update(std::size_t done, const std::string& id) const {
    if (!enabled_ || total_ == 0) return;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * done / total_);
    std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu %-60.60s", filled,
                 "==============================", kWidth - filled, "", done, total_, id.c_str());
    std::fflush(stderr);
  }
  ~Progress() {
    if (enabled_) std::fprintf(stderr, "\r%*s\r", 110, "");
  }

 private:
  bool enabled_;
  std::size_t total_;
};

template <class JudgeOne>
Report judge_all(const formats::FixtureSet& set, const RunOptions& options, RunInfo info,
                 JudgeOne&& judge_one) {
  const auto selected = select_cases(set, options);
  info.selected = selected.size();
  info.rule = to_string(options.rule);
  Expectations expectations;
  if (!options.expectations_path.empty()) {
    expectations = read_expectations(options.expectations_path, info.backend_version);
    info.expectations = options.expectations_path;
  }
  // Per entry: selected cases it matches, and how many of them did not pass.
  std::vector<std::pair<std::size_t, std::size_t>> entry_use(expectations.failures.size());
  Report report(std::move(info), options.reports);
  Progress progress(options.progress, selected.size());
  for (std::size_t i = 0; i < selected.size(); ++i) {
    progress.update(i, selected[i]->spec.id);
    const auto start = std::chrono::steady_clock::now();
    CaseResult result = new_result(*selected[i]);
    try {
      judge_one(*selected[i], result);
    } catch (const std::exception& e) {
      // A failure of bnconf itself on this case: reported as such, and the run goes on.
      result.outputs.clear();
      result.status = CaseStatus::internal_error;
      result.message = std::string("bnconf internal error: ") + e.what();
    }
    if (const ExpectedFailure* e = expectations.match(result.id)) {
      auto& use = entry_use[static_cast<std::size_t>(e - expectations.failures.data())];
      ++use.first;
      if (is_problem(result.status)) {
        ++use.second;
        result.expected_failure = e->explanation();
      }
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report.add(std::move(result));
  }
  std::vector<std::string> stale;
  for (std::size_t k = 0; k < entry_use.size(); ++k) {
    if (entry_use[k].first > 0 && entry_use[k].second == 0) {
      stale.push_back(expectations.path + ": \"" + expectations.failures[k].cases + "\" matched " +
                      std::to_string(entry_use[k].first) +
                      " selected cases and none failed: the expectation is stale");
    }
  }
  report.set_stale_expectations(std::move(stale));
  report.finish();
  return report;
}

}  // namespace

std::string default_fixtures_path() {
  if (const auto installed = formats::installed_layout()) {
    return (installed->data_dir / "fixtures").string();
  }
  return BNCONF_SOURCE_DIR "/fixtures";
}

bool filter_matches(const std::string& filter, const std::string& id) {
  if (filter.empty()) return true;
  const auto dash = filter.find('-');
  const std::string positive = filter.substr(0, dash);
  const std::string negative = dash == std::string::npos ? "" : filter.substr(dash + 1);
  return (positive.empty() || any_matches(positive, id)) && !any_matches(negative, id);
}

std::vector<const cases::Case*> select_cases(const formats::FixtureSet& set,
                                             const RunOptions& options) {
  std::vector<const cases::Case*> selected;
  std::size_t position = 0;
  for (const auto& c : set.cases) {
    if (!options.tiers.empty() &&
        std::find(options.tiers.begin(), options.tiers.end(), c.spec.tier) == options.tiers.end()) {
      continue;
    }
    if (!filter_matches(options.filter, c.spec.id)) continue;
    if (position++ % options.shard_count != options.shard_index) continue;
    selected.push_back(&c);
  }
  return selected;
}

namespace {

RunInfo backend_info(const Backend& backend) {
  RunInfo info;
  info.backend_name = backend.name();
  info.backend_version = backend.version();
  info.backend_origin = backend.origin();
  return info;
}

// The most bytes of results a case can return: its outputs (the expected ones, by the operation
// table) with their names and shapes, and a megabyte for messages and violations.
std::uint64_t result_bound(const cases::Case& c) {
  std::uint64_t bytes = std::uint64_t{1} << 20;
  for (const auto& [name, array] : c.expected) {
    bytes += 64 + name.size() + 8 * (array.shape.size() + array.values.size());
  }
  return bytes;
}

CaseLimits limits_of(const cases::Case& c, const RunOptions& options) {
  CaseLimits limits = default_case_limits(options.timeout_seconds);
  if (options.memory_limit_bytes) limits.memory_bytes = *options.memory_limit_bytes;
  if (options.cpu_limit_seconds) limits.cpu_seconds = *options.cpu_limit_seconds;
  limits.result_bytes = result_bound(c);
  return limits;
}

// A case's process that did not return a result: a resource limit, a timeout or a crash, unless
// it saw the backend misbehave first (a guard page touched, an output written after its call
// returned), which is the verdict, with how the process then ended.
void judge_unfinished(const cases::Case& c, const IsolatedRun& run, CaseResult& result,
                      const ToleranceRule& rule) {
  if (run.outcome == Outcome::crashed && !run.violations.empty()) {
    Execution seen;
    seen.violations = run.violations;
    seen.violations.push_back("then the case's process ended: " + run.detail);
    judge_execution(c, seen, result, rule);
  } else if (run.outcome == Outcome::resource_limit) {
    result.status = CaseStatus::resource_limit;
    result.message = run.detail;
  } else {
    judge_incomplete(run, result);
  }
}

// Judges what a case's process returned, or how it ended.
void judge_run(const cases::Case& c, IsolatedRun& run, CaseResult& result,
               const ToleranceRule& rule) {
  if (run.outcome == Outcome::completed) {
    for (auto& v : run.violations) run.execution.violations.push_back(std::move(v));
    judge_execution(c, run.execution, result, rule);
  } else {
    judge_unfinished(c, run, result, rule);
  }
}

// A case the backend does not declare what it needs for: unsupported, not run.
bool declared_unsupported(const Backend& backend, const cases::Case& c, CaseResult& result) {
  const std::string missing = unsupported_reason(backend.capabilities(), c);
  if (missing.empty()) return false;
  result.status = CaseStatus::unsupported;
  result.message = "backend does not declare " + missing;
  return true;
}

Report run_set(const Backend& backend, const formats::FixtureSet& set, const RunOptions& options,
               RunInfo info) {
  // Every case runs in a process of its own forked from the case host (case_host.hpp), which
  // holds the backend (a plug-in is loaded there, never here).
  std::vector<const cases::Case*> all;
  for (const auto& c : set.cases) all.push_back(&c);
  CaseHost host(backend, std::move(all));
  return judge_all(set, options, std::move(info), [&](const cases::Case& c, CaseResult& result) {
    if (declared_unsupported(backend, c, result)) return;
    IsolatedRun run =
        host.run(static_cast<std::size_t>(&c - set.cases.data()), limits_of(c, options));
    judge_run(c, run, result, options.rule);
  });
}

}  // namespace

CaseResult run_case(const Backend& backend, const cases::Case& c, const RunOptions& options) {
  CaseResult result = new_result(c);
  try {
    if (declared_unsupported(backend, c, result)) return result;
    // Forked from this process, not from a case host: the case's process loads a plug-in, this
    // one never does.
    IsolatedRun run = run_isolated([&] { return execute_case(backend, c); }, limits_of(c, options));
    judge_run(c, run, result, options.rule);
  } catch (const std::exception& e) {
    // A failure of bnconf itself on this case, as run_backend reports it.
    result.outputs.clear();
    result.status = CaseStatus::internal_error;
    result.message = std::string("bnconf internal error: ") + e.what();
  }
  return result;
}

Report run_backend(const Backend& backend, const RunOptions& options) {
  RunInfo info = backend_info(backend);
  const formats::FixtureSet set = load(options, info);
  return run_set(backend, set, options, std::move(info));
}

Report run_backend_on(const Backend& backend, const std::vector<cases::Case>& cases,
                      const std::string& origin, const RunOptions& options) {
  RunInfo info = backend_info(backend);
  info.fixtures = {origin};
  return run_set(backend, formats::FixtureSet{cases, {}}, options, std::move(info));
}

namespace {

// The outputs a results file declares it did not compute (attribute unchecked), taken as a
// backend's undeclared output groups are: only outputs of a group a backend may leave out
// (batch or running statistics) can be unchecked; declaring a core output (y, dx...) unchecked
// fails the case, as not producing it would. Names the case's operation does not have are
// ignored. Returns false when the case is judged already.
bool declared_unchecked(const cases::Case& c, const formats::CaseResultEntry& entry,
                        Execution& execution, CaseResult& result) {
  for (const auto& name : entry.unchecked) {
    const cases::DatasetUse* use = cases::find_output(c.spec.operation, name);
    if (!use || !cases::present(*use, c.spec)) continue;
    if (use->group == cases::OutputGroup::core) {
      result.status = CaseStatus::fail;
      result.message =
          "the results file declares " + name + " unchecked, but every backend must produce it";
      return false;
    }
    execution.unchecked.push_back(name);
  }
  if (!execution.unchecked.empty()) execution.unchecked_reason = printable(entry.unchecked_reason);
  return true;
}

}  // namespace

Report check_results(const std::string& results_path, const RunOptions& options) {
  const formats::ResultsFile results = formats::read_results_file(results_path);
  RunInfo info;
  // The results file's text is the producer's: one printable line of valid UTF-8 each.
  info.backend_name = printable(results.backend_name, 256);
  info.backend_version = printable(results.backend_version, 256);
  info.backend_origin = results_path;
  const formats::FixtureSet set = load(options, info);
  for (const auto& e : results.errors) info.load_errors.push_back(printable(e));
  return judge_all(set, options, std::move(info), [&](const cases::Case& c, CaseResult& result) {
    const auto found = results.cases.find(c.spec.id);
    if (found == results.cases.end()) {
      result.status = CaseStatus::backend_error;
      result.message = "no result for this case in " + results_path;
      return;
    }
    Execution execution;
    const std::string& s = found->second.status;
    execution.status = s == "ok"                 ? CallStatus::ok
                       : s == "unsupported"      ? CallStatus::unsupported
                       : s == "invalid_argument" ? CallStatus::invalid_argument
                                                 : CallStatus::backend_error;
    execution.message = printable(found->second.message);
    execution.outputs = found->second.outputs;
    if (!declared_unchecked(c, found->second, execution, result)) return;
    judge_execution(c, execution, result, options.rule);
  });
}

}  // namespace bnconf::conformance
