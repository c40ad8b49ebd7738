// bnconf coverage: the input-space model against the catalogue (docs/coverage.md). Prints, per
// class and per operation the class applies to, how many catalogue cases cover it; --check exits
// 1 naming every class and operation no case covers.
#include <cstdio>
#include <memory>
#include <string>

#include "bnconf/generators/catalogue.hpp"
#include "bnconf/generators/coverage.hpp"
#include "commands.hpp"

namespace bnconf::cli {
namespace {

namespace gen = bnconf::generators;

struct CoverageOptions {
  std::string catalogue;
  bool check = false;
  bool markdown = false;
  std::string ids;  // "AXIS=CLASS": list the ids covering that class
  bool groups = false;
};

bool applies(const gen::CoverageRow& row, cases::Operation op, const gen::CoverageCell** cell) {
  for (const auto& c : row.cells) {
    if (c.operation == op) {
      *cell = &c;
      return true;
    }
  }
  return false;
}

// One Markdown table: a row per class, a column per operation (blank where the class does not
// apply), the number of covering cases in each cell and one example id.
std::string markdown(const std::vector<gen::CoverageRow>& rows) {
  std::string out = "| axis | class | meaning |";
  std::string rule = "|---|---|---|";
  for (const auto& op : cases::operation_table()) {
    out += " " + std::string(op.name) + " |";
    rule += "---:|";
  }
  out += " example |\n" + rule + "---|\n";
  for (const auto& row : rows) {
    const auto& c = *row.coverage_class;
    out += "| " + c.axis + " | " + c.name + " | " + c.meaning + (c.on_demand ? " (on demand)" : "") +
           " |";
    std::string example;
    for (const auto& op : cases::operation_table()) {
      const gen::CoverageCell* cell = nullptr;
      if (!applies(row, op.operation, &cell)) {
        out += " |";
        continue;
      }
      out += cell->case_ids.empty() ? " **0** |" : " " + std::to_string(cell->case_ids.size()) + " |";
      if (example.empty() && !cell->case_ids.empty()) example = cell->case_ids.front();
    }
    out += " " + (example.empty() ? std::string("—") : "`" + example + "`") + " |\n";
  }
  return out;
}

// Cases per catalogue group (ids are <tier>.<group>....), committed and on demand.
std::string group_table(const gen::Catalogue& catalogue) {
  std::vector<std::pair<std::string, std::pair<std::size_t, std::size_t>>> groups;
  std::size_t committed = 0, on_demand = 0;
  for (const auto& e : catalogue.entries) {
    const std::string& id = e.spec.id;
    const std::string group = id.substr(0, id.find('.', id.find('.') + 1));
    if (groups.empty() || groups.back().first != group) groups.push_back({group, {0, 0}});
    ++(e.on_demand ? groups.back().second.second : groups.back().second.first);
    ++(e.on_demand ? on_demand : committed);
  }
  std::string out = "| group | committed cases | on demand |\n|---|---:|---:|\n";
  for (const auto& [group, counts] : groups) {
    out += "| `" + group + "` | " + std::to_string(counts.first) + " | " +
           std::to_string(counts.second) + " |\n";
  }
  return out + "| all | " + std::to_string(committed) + " | " + std::to_string(on_demand) +
         " |\n";
}

// The case ids covering one class ("AXIS=CLASS"), operation by operation.
int print_ids(const std::vector<gen::CoverageRow>& rows, const std::string& which) {
  for (const auto& row : rows) {
    const auto& c = *row.coverage_class;
    if (c.axis + "=" + c.name != which) continue;
    for (const auto& cell : row.cells) {
      std::printf("%s:", std::string(cases::to_string(cell.operation)).c_str());
      for (const auto& id : cell.case_ids) std::printf(" %s", id.c_str());
      std::printf("\n");
    }
    return 0;
  }
  std::fprintf(stderr, "bnconf coverage: no class '%s' (AXIS=CLASS, as in --markdown)\n",
               which.c_str());
  return 2;
}

int run_coverage(const CoverageOptions& options) {
  try {
    const gen::Catalogue catalogue = gen::load_catalogue(
        options.catalogue.empty() ? gen::default_catalogue_path() : options.catalogue);
    const auto rows = gen::coverage_of(catalogue);
    std::size_t cells = 0, missing = 0;
    for (const auto& row : rows) {
      for (const auto& cell : row.cells) {
        ++cells;
        if (!cell.case_ids.empty()) continue;
        ++missing;
        if (options.check) {
          std::printf("NOT COVERED  %s = %s in %s\n", row.coverage_class->axis.c_str(),
                      row.coverage_class->name.c_str(),
                      std::string(cases::to_string(cell.operation)).c_str());
        }
      }
    }
    if (options.markdown) std::fputs(markdown(rows).c_str(), stdout);
    if (!options.ids.empty()) return print_ids(rows, options.ids);
    if (options.groups) {
      std::fputs(group_table(catalogue).c_str(), stdout);
      return 0;
    }
    if (!options.markdown || options.check) {
      std::printf("coverage: %zu classes, %zu (class, operation) cells, %zu not covered\n",
                  rows.size(), cells, missing);
    }
    return options.check && missing > 0 ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bnconf coverage: %s\n", e.what());
    return 2;
  }
}

}  // namespace

Action add_coverage_command(CLI::App& app) {
  auto options = std::make_shared<CoverageOptions>();
  CLI::App* coverage = app.add_subcommand(
      "coverage", "The input-space model against the case catalogue (docs/coverage.md)");
  coverage->add_option("--catalogue", options->catalogue,
                       "Case catalogue (default: the source tree's)");
  coverage->add_flag("--check", options->check,
                     "Exit 1 naming every class and operation no catalogue case covers");
  coverage->add_flag("--markdown", options->markdown, "Print the coverage table as Markdown");
  coverage->add_flag("--groups", options->groups,
                     "Print the cases of each catalogue group (committed and on demand)");
  coverage->add_option("--ids", options->ids,
                       "List the case ids covering one class, e.g. --ids 'C (channels)=16'");
  return [coverage, options] { return coverage->parsed() ? run_coverage(*options) : -1; };
}

}  // namespace bnconf::cli
