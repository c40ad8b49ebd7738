// bnconf run / bnconf check / bnconf backends
#include <cstdio>
#include <memory>

#include "bnconf/conformance/report_formats.hpp"
#include "bnconf/conformance/runner.hpp"
#include "commands.hpp"

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
  double timeout = 60;
};

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
      ->delimiter(',');
  app->add_option(
      "--filter", o.filter,
      "gtest-style case filter: patterns separated by ':', negative ones after '-', e.g. "
      "'core.*-*.bf16*'");
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
      ->check(CLI::ExistingFile);
}

// Parses "I/N" into the options; returns false with a message when malformed.
bool parse_shard(const std::string& text, conf::RunOptions& options) {
  if (text.empty()) return true;
  std::size_t index = 0, count = 0;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%zu/%zu%c", &index, &count, &extra) != 2 || count == 0 ||
      index >= count) {
    std::fprintf(stderr, "bnconf: --shard should be I/N with 0 <= I < N, not '%s'\n", text.c_str());
    return false;
  }
  options.shard_index = index;
  options.shard_count = count;
  return true;
}

conf::RunOptions run_options(const SelectionOptions& o) {
  conf::RunOptions options;
  options.fixtures = o.fixtures;
  options.tiers = o.tiers;
  options.filter = o.filter;
  options.reports = o.reports;
  options.timeout_seconds = o.timeout;
  options.progress = true;
  options.rule = *conf::tolerance_rule_from_string(o.rule);
  options.expectations_path = o.expect;
  return options;
}

int finish(const conf::Report& report) {
  std::printf("\n%s\n", report.terminal_summary().c_str());
  std::printf("%s\n", report.count_line().c_str());
  const bool bad = report.unexplained_count() > 0 || !report.info().stale_expectations.empty();
  return bad || !report.info().load_errors.empty() ? 1 : 0;
}

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
  run->add_option("--timeout", o->timeout,
                  "Seconds allowed per case before it is killed (default 60)");
  run->add_option("--shard", o->shard, "Run only shard I of N (0-based), e.g. 0/4");
  return [run, o, backend]() -> int {
    if (!run->parsed()) return -1;
    conf::RunOptions options = run_options(*o);
    if (!parse_shard(o->shard, options)) return 2;
    try {
      const conf::Backend b = conf::Backend::open(*backend);
      std::printf("bnconf run: backend %s %s (%s)\n", b.name().c_str(), b.version().c_str(),
                  b.origin().c_str());
      std::fflush(stdout);
      const conf::Report report = conf::run_backend(b, options);
      header(report.info());
      return finish(report);
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
    try {
      const conf::Report report = conf::check_results(*results, run_options(*o));
      std::printf("bnconf check: backend %s %s (%s)\n", report.info().backend_name.c_str(),
                  report.info().backend_version.c_str(), report.info().backend_origin.c_str());
      header(report.info());
      return finish(report);
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
