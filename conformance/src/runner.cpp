#include "bnconf/conformance/runner.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <sstream>

#include "bnconf/conformance/expectations.hpp"
#include "bnconf/conformance/isolation.hpp"
#include "bnconf/conformance/judge.hpp"
#include "bnconf/formats/results_file.hpp"

namespace bnconf::conformance {
namespace {

bool glob(const char* pattern, const char* text) {
  if (*pattern == '\0') return *text == '\0';
  if (*pattern == '*') return glob(pattern + 1, text) || (*text && glob(pattern, text + 1));
  if (*text && (*pattern == '?' || *pattern == *text)) return glob(pattern + 1, text + 1);
  return false;
}

bool any_matches(const std::string& patterns, const std::string& id) {
  std::stringstream list(patterns);
  for (std::string p; std::getline(list, p, ':');) {
    if (!p.empty() && glob(p.c_str(), id.c_str())) return true;
  }
  return false;
}

formats::FixtureSet load(const RunOptions& options, RunInfo& info) {
  info.fixtures = options.fixtures.empty() ? std::vector<std::string>{default_fixtures_path()}
                                           : options.fixtures;
  formats::FixtureSet set = formats::load_fixture_set(info.fixtures);
  for (const auto& e : set.errors) info.load_errors.push_back(e.to_string());
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

std::string default_fixtures_path() { return BNCONF_SOURCE_DIR "/fixtures"; }

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

Report run_set(const Backend& backend, const formats::FixtureSet& set, const RunOptions& options,
               RunInfo info) {
  return judge_all(set, options, std::move(info), [&](const cases::Case& c, CaseResult& result) {
    const std::string missing = unsupported_reason(backend.capabilities(), c);
    if (!missing.empty()) {
      result.status = CaseStatus::unsupported;
      result.message = "backend does not declare " + missing;
      return;
    }
    const IsolatedRun run =
        run_isolated([&] { return execute_case(backend, c); }, options.timeout_seconds);
    if (run.outcome == Outcome::completed) {
      judge_execution(c, run.execution, result, options.rule);
    } else {
      judge_incomplete(run, result);
    }
  });
}

}  // namespace

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

Report check_results(const std::string& results_path, const RunOptions& options) {
  const formats::ResultsFile results = formats::read_results_file(results_path);
  RunInfo info;
  info.backend_name = results.backend_name;
  info.backend_version = results.backend_version;
  info.backend_origin = results_path;
  const formats::FixtureSet set = load(options, info);
  for (const auto& e : results.errors) info.load_errors.push_back(e);
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
    execution.message = found->second.message;
    execution.outputs = found->second.outputs;
    judge_execution(c, execution, result, options.rule);
  });
}

}  // namespace bnconf::conformance
