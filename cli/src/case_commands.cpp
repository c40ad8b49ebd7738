// bnconf list / bnconf show: finding cases and looking into one. `list` prints the cases a
// selection (--fixtures, --tier, --filter, as for `run`) holds, one line each; `show` prints one
// case's attributes and arrays and, with --backend, runs it as `run` does and shows the backend's
// outputs against the expected ones; --dump writes every array as a .npy file.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <xtensor/xadapt.hpp>
#include <xtensor/xnpy.hpp>

#include "bnconf/conformance/execute.hpp"
#include "bnconf/conformance/isolation.hpp"
#include "bnconf/conformance/judge.hpp"
#include "bnconf/conformance/runner.hpp"
#include "bnconf/formats/fixture_set.hpp"
#include "bnconf/formats/manifest.hpp"
#include "commands.hpp"
#include "validation.hpp"

namespace bnconf::cli {
namespace {

namespace conf = bnconf::conformance;
using cases::Array;

struct CaseSelection {
  std::vector<std::string> fixtures;
  std::vector<std::string> tiers;
  std::string filter;
};

void add_case_selection(CLI::App* app, CaseSelection& o) {
  app->add_option("--fixtures", o.fixtures,
                  "Fixture directories or .h5 files (default: the committed golden set)");
  app->add_option("--tier", o.tiers, "Only these tiers: core, stress, ieee, errors (default: all)")
      ->delimiter(',')
      ->check(tier_name());
}

formats::FixtureSet load(const CaseSelection& o) {
  return formats::load_fixture_set(
      o.fixtures.empty() ? std::vector<std::string>{conf::default_fixtures_path()} : o.fixtures);
}

// Load errors are reported, and make the command fail: a listing must not look complete when a
// file could not be read.
bool report_load_errors(const formats::FixtureSet& set) {
  for (const auto& e : set.errors) {
    std::fprintf(stderr, "LOAD ERROR  %s\n", e.to_string().c_str());
  }
  return !set.errors.empty();
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

std::string tags_text(const cases::CaseSpec& spec) {
  std::string text;
  for (const auto& tag : spec.tags) text += (text.empty() ? "" : ",") + tag;
  return text;
}

int list_cases(const CaseSelection& o) {
  const auto set = load(o);
  const bool load_failed = report_load_errors(set);
  conf::RunOptions selection;
  selection.tiers = o.tiers;
  selection.filter = o.filter;
  const auto selected = conf::select_cases(set, selection);
  for (const cases::Case* c : selected) {
    std::printf("%-60s %-7s %-15s %-5s %-15s %-18s %s\n", c->spec.id.c_str(), c->spec.tier.c_str(),
                std::string(to_string(c->spec.operation)).c_str(),
                std::string(ieee::to_string(c->spec.dtype)).c_str(),
                std::string(reference::to_string(c->spec.layout)).c_str(),
                shape_text(c->spec.shape).c_str(), tags_text(c->spec).c_str());
  }
  std::fprintf(stderr, "%zu cases\n", selected.size());
  if (load_failed) return 2;
  return selected.empty() ? 3 : 0;
}

// An integer-valued array prints exactly; a real one to 9 significant digits (float's).
std::string value_text(double v) {
  char buffer[40];
  if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 0x1p53) {
    std::snprintf(buffer, sizeof buffer, "%.0f", v);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.9g", v);
  }
  return buffer;
}

void print_array(const std::string& name, const Array& a) {
  constexpr std::size_t kShown = 8;
  std::string values;
  for (std::size_t i = 0; i < a.values.size() && i < kShown; ++i) {
    values += (i ? " " : "") + value_text(a.values[i]);
  }
  if (a.values.size() > kShown) values += " ...";
  std::size_t non_finite = 0;
  double lo = INFINITY, hi = -INFINITY;
  for (const double v : a.values) {
    if (!std::isfinite(v)) {
      ++non_finite;
      continue;
    }
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  std::printf("  %-22s %-18s", name.c_str(), shape_text(a.shape).c_str());
  if (lo <= hi) std::printf(" min %s max %s", value_text(lo).c_str(), value_text(hi).c_str());
  if (non_finite > 0) std::printf(" (%zu non-finite)", non_finite);
  std::printf("\n      %s\n", values.c_str());
}

// Each array as <dir>/<section>/<name>.npy (float64, the case's shape; a scalar as shape ()).
void dump_arrays(const std::filesystem::path& dir, const std::string& section,
                 const std::map<std::string, Array>& arrays) {
  std::filesystem::create_directories(dir / section);
  for (const auto& [name, a] : arrays) {
    const auto view = xt::adapt(a.values, a.shape);
    xt::dump_npy((dir / section / (name + ".npy")).string(), view);
  }
}

struct ShowOptions {
  CaseSelection selection;
  std::string id;
  std::string backend;
  std::string dump;
  double timeout = 60;
};

int show_case(const ShowOptions& o) {
  const auto set = load(o.selection);
  report_load_errors(set);
  const auto found = std::find_if(set.cases.begin(), set.cases.end(),
                                  [&](const cases::Case& c) { return c.spec.id == o.id; });
  if (found == set.cases.end()) {
    std::fprintf(stderr, "bnconf show: no case '%s' in the fixtures (`bnconf list` lists them)\n",
                 o.id.c_str());
    return 2;
  }
  const cases::Case& c = *found;
  std::printf("case %s (tier %s)\n", c.spec.id.c_str(), c.spec.tier.c_str());
  if (!c.spec.description.empty()) std::printf("  %s\n", c.spec.description.c_str());
  std::printf("\nattributes:\n");
  const std::string text = formats::canonical_spec_text(c.spec);
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    std::printf("  %s\n", text.substr(start, end - start).c_str());
    start = end + 1;
  }
  std::printf("\ninputs:\n");
  for (const auto& [name, a] : c.inputs) print_array(name, a);
  std::printf("\nexpected:\n");
  for (const auto& [name, a] : c.expected) print_array(name, a);
  if (!o.dump.empty()) {
    dump_arrays(o.dump, "inputs", c.inputs);
    dump_arrays(o.dump, "expected", c.expected);
  }
  if (o.backend.empty()) {
    if (!o.dump.empty()) std::printf("\narrays written to %s/{inputs,expected}/\n", o.dump.c_str());
    return 0;
  }
  // As `run` runs it: requirements first, then the calls in a child process, then the judge.
  const conf::Backend backend = conf::Backend::open(o.backend);
  std::printf("\nbackend %s %s (%s):\n", backend.name().c_str(), backend.version().c_str(),
              backend.origin().c_str());
  const std::string why = conf::unsupported_reason(backend.capabilities(), c);
  if (!why.empty()) {
    std::printf("  unsupported: %s\n", why.c_str());
    return 0;
  }
  const conf::IsolatedRun run =
      conf::run_isolated([&] { return conf::execute_case(backend, c); }, o.timeout);
  conf::CaseResult result = conf::new_result(c);
  if (run.outcome == conf::Outcome::completed) {
    conf::judge_execution(c, run.execution, result);
    for (const auto& [name, a] : run.execution.outputs) print_array(name, a);
    if (!run.execution.message.empty())
      std::printf("  message: %s\n", run.execution.message.c_str());
    if (!o.dump.empty()) dump_arrays(o.dump, "actual", run.execution.outputs);
  } else {
    conf::judge_incomplete(run, result);
  }
  std::printf("\nverdict: %s%s%s\n", conf::to_string(result.status).c_str(),
              result.message.empty() ? "" : ": ", result.message.c_str());
  for (const auto& out : result.outputs) {
    std::printf("  %-16s %s%s%s\n", out.name.c_str(), out.passed ? "ok" : "FAIL",
                out.reason.empty() ? "" : ": ", out.reason.c_str());
  }
  if (!o.dump.empty())
    std::printf("\narrays written to %s/{inputs,expected,actual}/\n", o.dump.c_str());
  return conf::within_bounds(result.status) || result.status == conf::CaseStatus::unsupported ? 0
                                                                                              : 1;
}

}  // namespace

Action add_list_command(CLI::App& app) {
  auto o = std::make_shared<CaseSelection>();
  CLI::App* list = app.add_subcommand(
      "list", "List the cases of the fixtures: id, tier, operation, dtype, layout, shape, tags");
  add_case_selection(list, *o);
  list->add_option("--filter", o->filter,
                   "gtest-style case filter, as for run: patterns separated by ':', negative ones "
                   "after '-'");
  return [list, o]() -> int {
    if (!list->parsed()) return -1;
    try {
      return list_cases(*o);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bnconf list: %s\n", e.what());
      return 2;
    }
  };
}

Action add_show_command(CLI::App& app) {
  auto o = std::make_shared<ShowOptions>();
  CLI::App* show = app.add_subcommand(
      "show",
      "Show one case: attributes, inputs and expected outputs; with --backend, run it and show "
      "the backend's outputs and verdict; with --dump, write every array as .npy");
  show->add_option("case", o->id, "The case id (see `bnconf list`)")->required();
  add_case_selection(show, o->selection);
  show->add_option("--backend", o->backend, "Run the case on this backend (name or plug-in path)");
  show->add_option("--dump", o->dump,
                   "Write inputs/, expected/ (and actual/ with --backend) .npy files here");
  show->add_option("--timeout", o->timeout, "Seconds allowed for the case (default 60)")
      ->check(seconds_in(kMaxSeconds));
  return [show, o]() -> int {
    if (!show->parsed()) return -1;
    try {
      return show_case(*o);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bnconf show: %s\n", e.what());
      return 2;
    }
  };
}

}  // namespace bnconf::cli
