// bnconf schema: the tables bnconf is built from, as Markdown — the operation table (datasets
// per operation), the datasets schema v1 knows, the tiers, the case statuses, the requirement
// rows that decide applicability, and the tolerance rules. docs/ embeds them between
// "<!-- bnconf schema TABLE -->" markers, and a test checks every embedded copy against this
// output, so the docs cannot drift from the code.
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "bnconf/cases/operations.hpp"
#include "bnconf/cases/tiers.hpp"
#include "bnconf/conformance/requirements.hpp"
#include "bnconf/conformance/result.hpp"
#include "bnconf/conformance/tolerance.hpp"
#include "commands.hpp"

namespace bnconf::cli {
namespace {

namespace cs = bnconf::cases;
namespace conf = bnconf::conformance;

std::string code(std::string_view text) { return "`" + std::string(text) + "`"; }

std::string shape_text(cs::ShapeRule rule) {
  switch (rule) {
    case cs::ShapeRule::activation:
      return "S";
    case cs::ShapeRule::stepped_activation:
      return "(K, *S)";
    case cs::ShapeRule::channels:
      return "(C)";
    case cs::ShapeRule::stepped_channels:
      return "(K, C)";
    case cs::ShapeRule::scalar:
      return "()";
    case cs::ShapeRule::steps:
      return "(K)";
    case cs::ShapeRule::batch:
      return "(N)";
    case cs::ShapeRule::classes_by_channels:
      return "(L, C)";
    case cs::ShapeRule::classes:
      return "(L)";
    case cs::ShapeRule::free:
      return "any";
  }
  return "?";
}

std::string presence_text(cs::Presence presence) {
  switch (presence) {
    case cs::Presence::always:
      return "";
    case cs::Presence::if_affine:
      return " if affine";
    case cs::Presence::if_tracked:
      return " if tracked";
    case cs::Presence::optional:
      return " if present";
  }
  return "";
}

std::string uses_text(std::span<const cs::DatasetUse> uses) {
  if (uses.empty()) return "none";
  std::string text;
  for (const auto& use : uses) {
    text += (text.empty() ? "" : ", ") + code(use.name) + " " + shape_text(use.shape) +
            presence_text(use.presence);
    if (use.group != cs::OutputGroup::core) text += " [" + std::string(to_string(use.group)) + "]";
  }
  return text;
}

std::string entries_text(cs::EntrySet entries) {
  if (entries == 0) return "its `call`";
  std::string text;
  for (const auto entry : cs::kAllEntries) {
    if (cs::contains(entries, entry)) text += (text.empty() ? "" : ", ") + code(to_string(entry));
  }
  return text;
}

std::string operations_table() {
  std::string out =
      "S = `shape` (N, C, spatial...), C = S[1], K = `steps`, L = the linear layer's width "
      "(the case's own choice). \"if affine\": `affine` = 1; \"if tracked\": "
      "`track_running_stats` = 1. Outputs in [brackets] may be left out by a backend that "
      "declares it does not produce that group.\n\n"
      "| operation | meaning | entry points | inputs | expected outputs |\n"
      "|---|---|---|---|---|\n";
  for (const auto& row : cs::operation_table()) {
    out += "| " + code(row.name) + " | " + std::string(row.meaning) + " | " +
           entries_text(row.entries) + " | " + uses_text(row.inputs) + " | " +
           uses_text(row.outputs) + " |\n";
  }
  return out;
}

std::string datasets_table() {
  std::string out = "| dataset | type | meaning |\n|---|---|---|\n";
  auto add = [&](const char* section, std::span<const cs::DatasetDefinition> definitions) {
    for (const auto& d : definitions) {
      out += "| " + code(std::string(section) + "/" + std::string(d.name)) + " | " +
             (d.element == cs::Element::integer ? "int64" : "float64") + " | " +
             std::string(d.meaning) + " |\n";
    }
  };
  add("inputs", cs::input_datasets());
  add("expected", cs::output_datasets());
  return out;
}

std::string tiers_table() {
  std::string out = "| tier | holds |\n|---|---|\n";
  for (const auto& row : cs::tier_table()) {
    out += "| " + code(row.name) + " | " + std::string(row.holds) + " |\n";
  }
  return out;
}

std::string statuses_table() {
  std::string out = "| status | fails the run | JUnit | meaning |\n|---|---|---|---|\n";
  for (const auto& row : conf::status_table()) {
    out += "| " + code(row.name) + " | " + (row.problem ? "yes, unless explained" : "no") + " | " +
           (row.junit_element.empty() ? "(passed)" : code(row.junit_element)) + " | " +
           std::string(row.meaning) + " |\n";
  }
  return out;
}

std::string requirements_table() {
  std::string out = "| # | requirement | checks |\n|---|---|---|\n";
  std::size_t n = 0;
  for (const auto& row : conf::requirements()) {
    out += "| " + std::to_string(++n) + " | " + std::string(row.name) + " | " +
           std::string(row.meaning) + " |\n";
  }
  return out;
}

std::string rules_table() {
  std::string out = "| `--rule` | judged by | in reports |\n|---|---|---|\n";
  for (const auto& row : conf::rule_table()) {
    out += "| " + code(row.option) + " | " +
           (row.fixed ? "another suite's fixed rule" : "bnconf's error model (default)") + " | " +
           code(row.report_name) + " |\n";
  }
  return out;
}

const std::map<std::string, std::function<std::string()>>& tables() {
  static const std::map<std::string, std::function<std::string()>> all{
      {"operations", operations_table},
      {"datasets", datasets_table},
      {"tiers", tiers_table},
      {"statuses", statuses_table},
      {"requirements", requirements_table},
      {"rules", rules_table},
  };
  return all;
}

}  // namespace

Action add_schema_command(CLI::App& app) {
  auto table = std::make_shared<std::string>();
  CLI::App* schema = app.add_subcommand(
      "schema",
      "Print one of the tables bnconf is built from, as Markdown (docs/ embeds them): "
      "operations, datasets, tiers, statuses, requirements, rules");
  std::vector<std::string> names;
  for (const auto& [name, render] : tables()) names.push_back(name);
  schema->add_option("table", *table, "Which table")->required()->check(CLI::IsMember(names));
  return [schema, table]() -> int {
    if (!schema->parsed()) return -1;
    std::fputs(tables().at(*table)().c_str(), stdout);
    return 0;
  };
}

}  // namespace bnconf::cli
