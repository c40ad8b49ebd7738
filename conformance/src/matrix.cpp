#include "bnconf/conformance/matrix.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "bnconf/cases/tiers.hpp"
#include "bnconf/ieee/dtype.hpp"

namespace bnconf::conformance {
namespace {

using Json = nlohmann::json;

// Columns and rows in the order of the tier table and the dtype list.
const std::vector<std::string> kTiers = [] {
  std::vector<std::string> names;
  for (const auto& row : cases::tier_table()) names.emplace_back(row.name);
  return names;
}();
const std::vector<std::string> kDtypes = [] {
  std::vector<std::string> names;
  for (const auto dtype : ieee::kAllDtypes) names.emplace_back(ieee::to_string(dtype));
  return names;
}();

struct Counts {
  std::size_t pass = 0, fail = 0, unsupported = 0;  // fail: fail, crash, timeout, backend error
  void add(const std::string& status) {
    if (status == "pass") {
      ++pass;
    } else if (status == "unsupported") {
      ++unsupported;
    } else {
      ++fail;
    }
  }
  std::size_t total() const { return pass + fail + unsupported; }
  std::string cell() const {
    if (total() == 0) return "";
    return std::to_string(pass) + " / " + std::to_string(fail) + " / " +
           std::to_string(unsupported);
  }
};

Json read_report(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot be read");
  Json report;
  try {
    report = Json::parse(in);
  } catch (const Json::exception& e) {
    throw std::runtime_error(path + ": not JSON: " + e.what());
  }
  for (const char* field : {"backend", "cases", "summary", "complete"}) {
    if (!report.contains(field)) {
      throw std::runtime_error(path + ": not a bnconf report (no \"" + std::string(field) + "\")");
    }
  }
  return report;
}

std::string text(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number()) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3g", value.get<double>());
    return buffer;
  }
  return value.dump();
}

// Markdown table cells may not contain '|' or line breaks.
std::string cell(std::string s) {
  for (auto& ch : s) {
    if (ch == '|') ch = '/';
    if (ch == '\n') ch = ' ';
  }
  return s;
}

std::string how_run(const Json& report) {
  const std::string origin = report["backend"].value("origin", "");
  if (origin == "bundled") return "bundled, in process";
  if (origin.size() > 3 && origin.substr(origin.size() - 3) == ".h5") return "results file";
  return "plug-in, in process";
}

double run_seconds(const Json& report) {
  double seconds = 0;
  for (const auto& c : report["cases"]) seconds += c.value("seconds", 0.0);
  return seconds;
}

std::string seconds_text(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f s", seconds);
  return buffer;
}

bool not_passed(const Json& c) {
  const std::string status = c.value("status", "");
  return status != "pass" && status != "unsupported";
}

void summary_table(std::ostringstream& out, const std::vector<Json>& reports) {
  out << "| backend | version | run as | cases | pass | fail | explained | unsupported | "
         "run time |\n|---|---|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : reports) {
    Counts total;
    std::size_t explained = 0;
    for (const auto& c : r["cases"]) {
      total.add(c.value("status", ""));
      if (not_passed(c) && !c.value("expected_failure", "").empty()) ++explained;
    }
    out << "| " << cell(r["backend"].value("name", "?")) << " | "
        << cell(r["backend"].value("version", "?")) << " | " << how_run(r) << " | " << total.total()
        << " | " << total.pass << " | " << total.fail << " | " << explained << " | "
        << total.unsupported << " | " << (how_run(r) == "results file" ? "judging only " : "")
        << seconds_text(run_seconds(r)) << (r.value("complete", false) ? "" : " (incomplete)")
        << " |\n";
  }
}

void dtype_tier_table(std::ostringstream& out, const std::vector<Json>& reports) {
  out << "| backend | version | dtype |";
  for (const auto& t : kTiers) out << " " << t << " |";
  out << "\n|---|---|---|";
  for (std::size_t i = 0; i < kTiers.size(); ++i) out << "---:|";
  out << "\n";
  for (const auto& r : reports) {
    std::map<std::string, std::map<std::string, Counts>> by_dtype;
    for (const auto& c : r["cases"]) {
      by_dtype[c.value("dtype", "?")][c.value("tier", "?")].add(c.value("status", ""));
    }
    std::vector<std::string> dtypes;
    for (const auto& d : kDtypes) {
      if (by_dtype.count(d)) dtypes.push_back(d);
    }
    for (const auto& [d, unused] : by_dtype) {
      if (std::find(kDtypes.begin(), kDtypes.end(), d) == kDtypes.end()) dtypes.push_back(d);
    }
    for (const auto& d : dtypes) {
      out << "| " << cell(r["backend"].value("name", "?")) << " | "
          << cell(r["backend"].value("version", "?")) << " | " << d << " |";
      for (const auto& t : kTiers) out << " " << by_dtype[d][t].cell() << " |";
      out << "\n";
    }
  }
}

// "y: error 3.1e-05 > bound 2.4e-07 at [0, 1, 2] (12 of 60 elements)"
std::string failed_outputs(const Json& c) {
  std::string all;
  for (const auto& o : c.value("outputs", Json::array())) {
    if (o.value("passed", true)) continue;
    std::string line = o.value("name", "?") + ": ";
    if (o.contains("worst_index") && !o["worst_index"].get<std::string>().empty()) {
      line += "error " + text(o["error"]) + " > bound " + text(o["bound"]) + " at " +
              o["worst_index"].get<std::string>() + " (expected " + text(o["expected"]) +
              ", actual " + text(o["actual"]) + "; " + std::to_string(o.value("out_of_bound", 0)) +
              " of " + std::to_string(o.value("elements", 0)) + " elements)";
    } else {
      line += o.value("reason", "failed");
    }
    all += (all.empty() ? "" : "; ") + line;
  }
  return all.empty() ? c.value("message", "") : all;
}

void failures(std::ostringstream& out, const std::vector<Json>& reports) {
  for (const auto& r : reports) {
    std::vector<const Json*> failing;
    for (const auto& c : r["cases"]) {
      if (not_passed(c)) failing.push_back(&c);
    }
    out << "\n### " << r["backend"].value("name", "?") << " " << r["backend"].value("version", "?")
        << "\n\n";
    if (failing.empty()) {
      out << (r["summary"].value("pass", 0) == 0 ? "It ran no case: every case was unsupported.\n"
                                                 : "Every case it ran passed.\n");
      continue;
    }
    out << "| case | dtype | layout | status | failing outputs (worst element) | explanation |\n"
           "|---|---|---|---|---|---|\n";
    for (const Json* c : failing) {
      const std::string why = c->value("expected_failure", "");
      out << "| `" << c->value("id", "?") << "` | " << c->value("dtype", "?") << " | "
          << c->value("layout", "?") << " | " << c->value("status", "?") << " | "
          << cell(failed_outputs(*c)) << " | " << (why.empty() ? "**UNEXPLAINED**" : cell(why))
          << " |\n";
    }
    if (r.contains("expectations")) {
      for (const auto& s : r["expectations"].value("stale", Json::array())) {
        out << "\nStale expectation: " << s.get<std::string>() << "\n";
      }
    }
  }
}

void unsupported_reasons(std::ostringstream& out, const std::vector<Json>& reports) {
  out << "| backend | cases | reason |\n|---|---:|---|\n";
  for (const auto& r : reports) {
    std::map<std::string, std::size_t> reasons;
    for (const auto& c : r["cases"]) {
      if (c.value("status", "") == "unsupported") ++reasons[c.value("message", "")];
    }
    std::vector<std::pair<std::string, std::size_t>> sorted(reasons.begin(), reasons.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [reason, n] : sorted) {
      out << "| "
          << cell(r["backend"].value("name", "?") + " " + r["backend"].value("version", "?"))
          << " | " << n << " | " << cell(reason) << " |\n";
    }
  }
}

}  // namespace

std::string conformance_matrix_markdown(const MatrixSources& sources) {
  std::vector<Json> reports;
  for (const auto& path : sources.reports) reports.push_back(read_report(path));
  std::ostringstream out;
  out << "# Conformance matrix\n\n"
         "<!-- Generated by `bnconf matrix` from the JSON reports of `bnconf run` and `bnconf "
         "check`\n     (scripts/conformance-matrix). Do not edit: regenerate. -->\n\n"
         "Every backend was judged over the committed golden set by the error model "
         "(docs/tolerances.md). *fail* counts every case that did not pass: wrong outputs, "
         "crashes, timeouts and backend errors. *explained* failures are listed with their "
         "investigation in the backend's `expected-failures.json`; an unexplained failure is "
         "marked **UNEXPLAINED**. Run time is the sum of the per-case times (each case in its "
         "own child process); for a results file it is the judging alone, the framework having "
         "run beforehand (backends/python/README.md has those times).\n\n## Summary\n\n";
  summary_table(out, reports);
  out << "\n## By dtype and tier\n\nEach cell: pass / fail / unsupported.\n\n";
  dtype_tier_table(out, reports);
  out << "\n## Cases that did not pass\n";
  failures(out, reports);
  out << "\n## Why cases were unsupported\n\n";
  unsupported_reasons(out, reports);
  if (!sources.notes.empty()) {
    std::ifstream in(sources.notes);
    if (!in) throw std::runtime_error(sources.notes + ": cannot be read");
    out << "\n" << in.rdbuf();
  }
  return out.str();
}

}  // namespace bnconf::conformance
