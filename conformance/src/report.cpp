#include "bnconf/conformance/report.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

namespace bnconf::conformance {
namespace {

using Json = nlohmann::ordered_json;

// JSON has no NaN or infinity: such values are written as the strings "nan", "inf", "-inf".
Json number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string short_number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g", v);
  return buffer;
}

std::string long_number(double v) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.9g", v);
  return buffer;
}

// One line per output check of a failing case.
std::string failure_block(const CaseResult& r) {
  std::ostringstream out;
  out << to_string(r.status) << (r.expected_failure.empty() ? "" : " (expected)") << "  " << r.id
      << "  (" << r.dtype << ", " << r.layout << ", " << r.operation << ")\n";
  if (!r.message.empty()) out << "    " << r.message << "\n";
  if (!r.expected_failure.empty()) out << "    expected: " << r.expected_failure << "\n";
  for (const auto& o : r.outputs) {
    if (o.passed) continue;
    out << "    " << o.name << ": " << o.reason;
    if (!o.index.empty()) {
      out << "\n      worst element " << o.index << ": expected " << long_number(o.expected)
          << ", actual " << long_number(o.actual) << ", error " << short_number(o.error)
          << ", bound " << short_number(o.bound);
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace

void write_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error(path + ": cannot be written");
  }
  std::filesystem::rename(temporary, path);
}

Report::Report(RunInfo info, std::string json_path, std::string junit_path)
    : info_(std::move(info)), json_path_(std::move(json_path)), junit_path_(std::move(junit_path)) {
  write_files();
}

void Report::add(CaseResult result) {
  results_.push_back(std::move(result));
  write_files();
}

void Report::set_stale_expectations(std::vector<std::string> stale) {
  info_.stale_expectations = std::move(stale);
}

std::size_t Report::expected_failure_count() const {
  std::size_t n = 0;
  for (const auto& r : results_) n += r.expected_failure.empty() ? 0 : 1;
  return n;
}

std::size_t Report::unexplained_count() const {
  std::size_t n = 0;
  for (const auto& r : results_) {
    const bool bad = r.status != CaseStatus::pass && r.status != CaseStatus::unsupported;
    n += bad && r.expected_failure.empty() ? 1 : 0;
  }
  return n;
}

void Report::finish() {
  complete_ = true;
  write_files();
}

std::map<CaseStatus, std::size_t> Report::counts() const {
  std::map<CaseStatus, std::size_t> counts;
  for (auto s : all_statuses()) counts[s] = 0;
  for (const auto& r : results_) ++counts[r.status];
  return counts;
}

std::string Report::count_line() const {
  std::string line = "tests:" + std::to_string(results_.size());
  for (const auto& [status, n] : counts())
    line += " " + to_string(status) + ":" + std::to_string(n);
  if (!info_.expectations.empty()) {
    line += " (expected failures:" + std::to_string(expected_failure_count()) +
            " unexplained:" + std::to_string(unexplained_count()) + ")";
  }
  return line;
}

void Report::write_files() const {
  if (!json_path_.empty()) {
    Json json;
    Json summary = Json::object();
    for (const auto& [status, n] : counts()) summary[to_string(status)] = n;
    summary["expected_failures"] = expected_failure_count();
    summary["unexplained"] = unexplained_count();
    json["summary"] = summary;
    json["backend"] = {{"name", info_.backend_name},
                       {"version", info_.backend_version},
                       {"origin", info_.backend_origin}};
    json["complete"] = complete_;
    json["tolerance"] = info_.rule;
    json["tests"] = results_.size();
    json["selected"] = info_.selected;
    json["fixtures"] = info_.fixtures;
    json["load_errors"] = info_.load_errors;
    if (!info_.expectations.empty()) {
      json["expectations"] = {{"file", info_.expectations}, {"stale", info_.stale_expectations}};
    }
    Json cases = Json::array();
    for (const auto& r : results_) {
      Json outputs = Json::array();
      for (const auto& o : r.outputs) {
        Json output = {{"name", o.name},           {"passed", o.passed},
                       {"elements", o.elements},   {"out_of_bound", o.out_of_bound},
                       {"error", number(o.error)}, {"bound", number(o.bound)}};
        if (!o.passed || !o.index.empty()) {
          output["worst_index"] = o.index;
          output["expected"] = number(o.expected);
          output["actual"] = number(o.actual);
        }
        if (!o.reason.empty()) output["reason"] = o.reason;
        outputs.push_back(output);
      }
      cases.push_back({{"id", r.id},
                       {"tier", r.tier},
                       {"operation", r.operation},
                       {"dtype", r.dtype},
                       {"layout", r.layout},
                       {"status", to_string(r.status)},
                       {"message", r.message},
                       {"expected_failure", r.expected_failure},
                       {"seconds", r.seconds},
                       {"outputs", outputs}});
    }
    json["cases"] = cases;
    write_atomically(json_path_, json.dump(1) + "\n");
  }
  if (!junit_path_.empty()) {
    std::map<std::string, std::vector<const CaseResult*>> by_tier;
    for (const auto& r : results_) by_tier[r.tier].push_back(&r);
    const auto c = counts();
    std::ostringstream xml;
    xml << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"bnconf "
        << xml_escape(info_.backend_name) << "\" tests=\"" << results_.size() << "\" failures=\""
        << c.at(CaseStatus::fail) << "\" errors=\""
        << c.at(CaseStatus::crash) + c.at(CaseStatus::timeout) + c.at(CaseStatus::backend_error)
        << "\" skipped=\"" << c.at(CaseStatus::unsupported) << "\">\n";
    for (const auto& [tier, results] : by_tier) {
      xml << " <testsuite name=\"bnconf." << xml_escape(tier) << "\" tests=\"" << results.size()
          << "\">\n";
      for (const CaseResult* r : results) {
        xml << "  <testcase classname=\"bnconf." << xml_escape(tier + "." + r->operation)
            << "\" name=\"" << xml_escape(r->id) << "\" time=\"" << r->seconds << "\"";
        if (r->status == CaseStatus::pass) {
          xml << "/>\n";
          continue;
        }
        xml << ">\n";
        const std::string tag = r->status == CaseStatus::fail          ? "failure"
                                : r->status == CaseStatus::unsupported ? "skipped"
                                                                       : "error";
        xml << "   <" << tag << " type=\"" << to_string(r->status) << "\" message=\""
            << xml_escape(r->message) << "\">" << xml_escape(failure_block(*r)) << "</" << tag
            << ">\n";
        xml << "  </testcase>\n";
      }
      xml << " </testsuite>\n";
    }
    xml << "</testsuites>\n";
    write_atomically(junit_path_, xml.str());
  }
}

std::string Report::terminal_summary() const {
  std::ostringstream out;
  // Table: rows tier/operation, columns statuses.
  std::map<std::pair<std::string, std::string>, std::map<CaseStatus, std::size_t>> table;
  for (const auto& r : results_) ++table[{r.tier, r.operation}][r.status];
  char line[200];
  std::snprintf(line, sizeof line, "%-8s %-15s %6s %6s %6s %12s %6s %8s %14s\n", "tier",
                "operation", "cases", "pass", "fail", "unsupported", "crash", "timeout",
                "backend_error");
  out << line;
  for (const auto& [key, counts] : table) {
    std::size_t total = 0;
    for (const auto& [s, n] : counts) total += n;
    auto n = [&](CaseStatus s) {
      const auto found = counts.find(s);
      return found == counts.end() ? std::size_t{0} : found->second;
    };
    std::snprintf(line, sizeof line, "%-8s %-15s %6zu %6zu %6zu %12zu %6zu %8zu %14zu\n",
                  key.first.c_str(), key.second.c_str(), total, n(CaseStatus::pass),
                  n(CaseStatus::fail), n(CaseStatus::unsupported), n(CaseStatus::crash),
                  n(CaseStatus::timeout), n(CaseStatus::backend_error));
    out << line;
  }
  std::size_t not_passed = 0;
  for (const auto& r : results_) {
    if (r.status != CaseStatus::pass && r.status != CaseStatus::unsupported) {
      if (not_passed++ == 0) out << "\nCases that did not pass:\n";
      out << failure_block(r);
    }
  }
  for (const auto& e : info_.load_errors) out << "LOAD ERROR  " << e << "\n";
  for (const auto& s : info_.stale_expectations) out << "STALE EXPECTATION  " << s << "\n";
  return out.str();
}

}  // namespace bnconf::conformance
