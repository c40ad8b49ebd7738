// The JUnit XML report: one testsuite per tier, one testcase per case.
#include <map>
#include <sstream>

#include "report_writers.hpp"

namespace bnconf::conformance {
namespace {

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

// The JUnit element of a status (status_table): "failure", "error", "skipped", or "" for a pass.
std::string element_of(CaseStatus status) {
  return std::string(status_table()[static_cast<std::size_t>(status)].junit_element);
}

// Cases whose status maps to `element`.
std::size_t count_of(const std::map<CaseStatus, std::size_t>& counts, const std::string& element) {
  std::size_t n = 0;
  for (const auto& [status, count] : counts) n += element_of(status) == element ? count : 0;
  return n;
}

}  // namespace

std::string junit_report(const Report& report) {
  const RunInfo& info = report.info();
  std::map<std::string, std::vector<const CaseResult*>> by_tier;
  for (const auto& r : report.results()) by_tier[r.tier].push_back(&r);
  const auto c = report.counts();
  std::ostringstream xml;
  xml << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"bnconf "
      << xml_escape(info.backend_name) << "\" tests=\"" << report.results().size()
      << "\" failures=\"" << count_of(c, "failure") << "\" errors=\"" << count_of(c, "error")
      << "\" skipped=\"" << count_of(c, "skipped") << "\">\n";
  for (const auto& [tier, results] : by_tier) {
    xml << " <testsuite name=\"bnconf." << xml_escape(tier) << "\" tests=\"" << results.size()
        << "\">\n";
    for (const CaseResult* r : results) {
      xml << "  <testcase classname=\"bnconf." << xml_escape(tier + "." + r->operation)
          << "\" name=\"" << xml_escape(r->id) << "\" time=\"" << r->seconds << "\"";
      const std::string tag = element_of(r->status);
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
      xml << "   <" << tag << " type=\"" << to_string(r->status) << "\" message=\""
          << xml_escape(r->message) << "\">" << xml_escape(failure_block(*r)) << "</" << tag
          << ">\n";
      xml << "  </testcase>\n";
    }
    xml << " </testsuite>\n";
  }
  xml << "</testsuites>\n";
  return xml.str();
}

}  // namespace bnconf::conformance
