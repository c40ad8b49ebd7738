// bnconf run / bnconf check / bnconf backends
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "bnconf/conformance/report_formats.hpp"
#include "bnconf/conformance/runner.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
#include "validation.hpp"

namespace bnconf::cli {
namespace {

namespace conf = bnconf::conformance;

struct SelectionOptions {
  std::vector<std::string> fixtures;
  std::vector<std::string> tiers;
  std::string filter;
  std::string shard;
  std::map<std::string, std::string> reports;  // format -> path
  std::string rule = "model";
  std::string expect;
  CaseLimits limits;  // declared by `run`; `check` runs nothing and keeps the defaults
  bool quiet = false;
  Gate gate;
};

// The longest --filter accepted (ids are about 100 characters).
constexpr std::size_t kMaxFilterLength = 4096;

// The --rule values, from the rule table.
std::vector<std::string> rule_options() {
  std::vector<std::string> options;
  for (const auto& row : conf::rule_table()) options.emplace_back(row.option);
  return options;
}

void add_selection_options(CLI::App* app, SelectionOptions& o) {
  app->add_option("--fixtures", o.fixtures,
                  "Fixture directories or .h5 files (default: the committed golden set)");
  app->add_option("--tier", o.tiers, "Only these tiers: core, stress, ieee, errors (default: all)")
      ->delimiter(',')
      ->check(tier_name());
  app->add_option(
         "--filter", o.filter,
         "gtest-style case filter: patterns separated by ':', negative ones after '-', e.g. "
         "'core.*-*.bf16*'")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return text.size() > kMaxFilterLength
                       ? "is " + std::to_string(text.size()) + " characters, more than " +
                             std::to_string(kMaxFilterLength)
                       : "";
          },
          "GLOB"));
  for (const auto& format : conf::report_formats()) {
    app->add_option("--" + std::string(format.name), o.reports[std::string(format.name)],
                    std::string(format.help));
  }
  app->add_option(
         "--rule", o.rule,
         "Judge by bnconf's error model (model, the default) or, for comparison, by another "
         "suite's fixed rule: onnx, torch, webnn, benchdnn")
      ->check(CLI::IsMember(rule_options()));
  app->add_option("--expect", o.expect,
                  "JSON file of explained failures (backends/<name>/expected-failures.json): "
                  "matching failures are reported with their explanation and do not fail the "
                  "run; an entry whose cases all pass does")
      ->check(regular_file());
  app->add_flag("--allow-empty", o.gate.allow_empty,
                "Exit 0 when no case is selected (else 3) or every selected case is unsupported "
                "(else 4)");
  app->add_option("--min-pass", o.gate.min_pass,
                  "Exit 4 unless at least this many cases passed (docs/exit-codes.md)");
  app->add_option("--require", o.gate.require,
                  "Exit 4 unless, for each of these dtypes, layouts, operations or tiers, some "
                  "case with it passed, e.g. f32,channels_last,backward_train")
      ->delimiter(',')
      ->check(CLI::IsMember(requirable_names()));
  add_quiet_flag(app, o.quiet);
}

// Values that depend on each other: no directory or file given twice to --fixtures, no report
// path given to two formats. Prints the problem and returns false.
bool consistent(const char* verb, const SelectionOptions& o) {
  if (const std::string twice = repeated_path(o.fixtures); !twice.empty()) {
    std::fprintf(stderr, "bnconf %s: --fixtures names the same place twice: %s\n", verb,
                 twice.c_str());
    return false;
  }
  std::vector<std::string> reports;
  for (const auto& [format, path] : o.reports) {
    if (!path.empty()) reports.push_back(path);
  }
  if (const std::string twice = repeated_path(reports); !twice.empty()) {
    std::fprintf(stderr, "bnconf %s: two report formats would write the same file: %s\n", verb,
                 twice.c_str());
    return false;
  }
  return true;
}

// The progress bar rewrites one terminal line: only on a terminal that can do it, and not under
// CI systems whose log viewers keep every carriage return (CI set, as GitHub Actions, GitLab CI
// and most others set it) or TERM=dumb.
bool progress_wanted() {
  const char* term = std::getenv("TERM");
  return ::isatty(STDERR_FILENO) != 0 && std::getenv("CI") == nullptr &&
         !(term != nullptr && std::string_view(term) == "dumb");
}

conf::RunOptions run_options(const SelectionOptions& o) {
  conf::RunOptions options;
  options.fixtures = o.fixtures;
  options.tiers = o.tiers;
  options.filter = o.filter;
  options.reports = o.reports;
  apply_case_limits(o.limits, options);
  options.progress = !o.quiet && progress_wanted();
  options.rule = *conf::tolerance_rule_from_string(o.rule);
  options.expectations_path = o.expect;
  if (!o.shard.empty()) parse_shard(o.shard, options.shard_index, options.shard_count);
  return options;
}

// Prints the summary (with --quiet only what did not pass), decides the exit status and records
// it in the report files (their last rewrite; one that fails makes the status 2, as any report
// not written does).
int finish(const char* verb, conf::Report& report, const SelectionOptions& o) {
  if (o.quiet) {
    std::printf("%s", report.terminal_problems().c_str());
  } else {
    std::printf("\n%s\n", report.terminal_summary().c_str());
  }
  std::printf("%s\n", report.count_line().c_str());
  std::fflush(stdout);
  const int status = exit_status(verb, report, o.gate);
  report.set_exit_status(status, exit_meaning(status));
  if (status == kUsageError || report.write_errors().empty()) return status;
  return exit_status(verb, report, o.gate);  // says which report was not written: 2
}

// What the run is about (the verb has named the backend): the fixtures and the selection.
void header(const conf::RunInfo& info) {
  for (const auto& f : info.fixtures) std::printf("fixtures: %s\n", f.c_str());
  std::printf("cases selected: %zu, judged by %s\n", info.selected, info.rule.c_str());
}

}  // namespace

Action add_run_command(CLI::App& app) {
  auto o = std::make_shared<SelectionOptions>();
  auto backend = std::make_shared<std::string>();
  CLI::App* run =
      app.add_subcommand("run", "Run every applicable fixture case on a backend and judge it");
  run->add_option("--backend", *backend,
                  "A bundled backend name (see `bnconf backends`) or a path to a "
                  "shared library implementing the adapter ABI")
      ->required();
  add_selection_options(run, *o);
  add_case_limit_options(run, o->limits);
  run->add_option("--shard", o->shard, "Run only shard I of N (0-based), e.g. 0/4")
      ->check(shard_spec());
  return [run, o, backend]() -> int {
    if (!run->parsed()) return -1;
    if (!consistent("run", *o)) return 2;
    conf::RunOptions options = run_options(*o);
    try {
      const conf::Backend b = conf::Backend::open(*backend);
      if (!o->quiet) {
        std::printf("bnconf run: backend %s %s (%s)\n", b.name().c_str(), b.version().c_str(),
                    b.origin().c_str());
        std::fflush(stdout);
      }
      conf::Report report = conf::run_backend(b, options);
      if (!o->quiet) header(report.info());
      return finish("run", report, *o);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bnconf run: %s\n", e.what());
      return 2;
    }
  };
}

Action add_check_command(CLI::App& app) {
  auto o = std::make_shared<SelectionOptions>();
  auto results = std::make_shared<std::string>();
  CLI::App* check = app.add_subcommand("check",
                                       "Judge the outputs an out-of-process backend wrote to a "
                                       "results file, with the same rules as run");
  check->add_option("--results", *results, "The results file (HDF5, results protocol v1)")
      ->required();
  add_selection_options(check, *o);
  return [check, o, results]() -> int {
    if (!check->parsed()) return -1;
    if (!consistent("check", *o)) return 2;
    try {
      conf::Report report = conf::check_results(*results, run_options(*o));
      if (!o->quiet) {
        std::printf("bnconf check: backend %s %s (%s)\n", report.info().backend_name.c_str(),
                    report.info().backend_version.c_str(), report.info().backend_origin.c_str());
        header(report.info());
      }
      return finish("check", report, *o);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bnconf check: %s\n", e.what());
      return 2;
    }
  };
}

Action add_backends_command(CLI::App& app) {
  CLI::App* backends = app.add_subcommand(
      "backends", "List bundled and discoverable backends and their capabilities");
  return [backends]() -> int {
    if (!backends->parsed()) return -1;
    for (const auto& b : conf::list_backends()) {
      std::printf("%-12s %-10s %s\n", b.name.c_str(), b.version.c_str(), b.origin.c_str());
      if (!b.error.empty()) {
        std::printf("    cannot be opened: %s\n", b.error.c_str());
      } else {
        std::printf("    %s\n", b.capabilities.c_str());
      }
    }
    std::printf("(more: set BNCONF_BACKEND_PATH to folders holding libbnconf_backend_<name>.so)\n");
    return 0;
  };
}

}  // namespace bnconf::cli
