// The JUnit XML report: one testsuite per tier, one testcase per case.
#include <map>
#include <sstream>

#include "report_writers.hpp"
#include "text.hpp"

namespace bnconf::conformance {
namespace {

// The JUnit element of a status (status_table): "failure", "error", "skipped", or "" for a pass.
std::string element_of(CaseStatus status) {
  return std::string(status_table()[static_cast<std::size_t>(status)].junit_element);
}

}  // namespace

namespace {

// What is wrong with the run as a whole, as error testcases of a suite "bnconf.run", so that a
// CI system shows it red: a run that did not finish (killed, or still running), fixtures that
// could not be loaded, stale expectations. Empty when there is nothing to say.
std::vector<std::pair<std::string, std::string>> run_problems(const Report& report) {
  const RunInfo& info = report.info();
  std::vector<std::pair<std::string, std::string>> problems;
  if (!report.complete()) {
    problems.emplace_back("incomplete",
                          "the run did not finish: " + std::to_string(report.results().size()) +
                              " of " + std::to_string(info.selected) + " selected cases reported");
  }
  for (const auto& e : info.load_errors) problems.emplace_back("load_error", e);
  for (const auto& s : info.stale_expectations) problems.emplace_back("stale_expectation", s);
  return problems;
}

// A case's JUnit element: its status's (status_table), except that a failure the --expect file
// explains is "skipped" with the explanation, as the exit status treats it (docs/exit-codes.md).
std::string element_for(const CaseResult& r) {
  const std::string tag = element_of(r.status);
  return (tag == "failure" || tag == "error") && !r.expected_failure.empty() ? "skipped" : tag;
}

struct SuiteCounts {
  std::size_t failures = 0, errors = 0, skipped = 0;
  double seconds = 0;
};

SuiteCounts counts_of(const std::vector<const CaseResult*>& results) {
  SuiteCounts n;
  for (const CaseResult* r : results) {
    const std::string tag = element_for(*r);
    n.failures += tag == "failure";
    n.errors += tag == "error";
    n.skipped += tag == "skipped";
    n.seconds += r->seconds;
  }
  return n;
}

}  // namespace

std::string junit_report(const Report& report) {
  const RunInfo& info = report.info();
  std::map<std::string, std::vector<const CaseResult*>> by_tier;
  std::vector<const CaseResult*> all;
  for (const auto& r : report.results()) {
    by_tier[r.tier].push_back(&r);
    all.push_back(&r);
  }
  const SuiteCounts total = counts_of(all);
  const auto problems = run_problems(report);
  const std::string timestamp = timestamp_now();
  std::ostringstream xml;
  xml << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"bnconf "
      << xml_escape(info.backend_name) << "\" tests=\"" << all.size() + problems.size()
      << "\" failures=\"" << total.failures << "\" errors=\"" << total.errors + problems.size()
      << "\" skipped=\"" << total.skipped << "\" time=\"" << total.seconds << "\">\n";
  if (!problems.empty()) {
    xml << " <testsuite name=\"bnconf.run\" tests=\"" << problems.size()
        << "\" failures=\"0\" errors=\"" << problems.size()
        << "\" skipped=\"0\" time=\"0\" timestamp=\"" << timestamp << "\">\n";
    for (const auto& [name, text] : problems) {
      xml << "  <testcase classname=\"bnconf.run\" name=\"" << name
          << "\" time=\"0\">\n   <error type=\"" << name << "\" message=\"" << xml_escape(text)
          << "\">" << xml_escape(text) << "</error>\n  </testcase>\n";
    }
    xml << " </testsuite>\n";
  }
  for (const auto& [tier, results] : by_tier) {
    const SuiteCounts n = counts_of(results);
    xml << " <testsuite name=\"bnconf." << xml_escape(tier) << "\" tests=\"" << results.size()
        << "\" failures=\"" << n.failures << "\" errors=\"" << n.errors << "\" skipped=\""
        << n.skipped << "\" time=\"" << n.seconds << "\" timestamp=\"" << timestamp << "\">\n";
    for (const CaseResult* r : results) {
      xml << "  <testcase classname=\"bnconf." << xml_escape(tier + "." + r->operation)
          << "\" name=\"" << xml_escape(r->id) << "\" time=\"" << r->seconds << "\"";
      const std::string tag = element_for(*r);
      if (r->status == CaseStatus::pass) {
        xml << "/>\n";
        continue;
      }
      xml << ">\n";
      if (tag.empty()) {  // a pass-like status (mistrusted): said in the case's output
        xml << "   <system-out>" << xml_escape(to_string(r->status) + ": " + r->message)
            << "</system-out>\n  </testcase>\n";
        continue;
      }
      const std::string message = tag == "skipped" && !r->expected_failure.empty()
                                      ? "expected failure: " + r->expected_failure
                                      : r->message;
      std::string text = failure_block(*r);
      if (is_problem(r->status)) text += "rerun: " + rerun_command(info, r->id) + "\n";
      xml << "   <" << tag << " type=\"" << to_string(r->status) << "\" message=\""
          << xml_escape(message) << "\">" << xml_escape(text) << "</" << tag << ">\n";
      xml << "  </testcase>\n";
    }
    xml << " </testsuite>\n";
  }
  xml << "</testsuites>\n";
  return xml.str();
}

}  // namespace bnconf::conformance
