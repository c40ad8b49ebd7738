// The JUnit XML report: one testsuite per tier, one testcase per case.
#include <cstdio>
#include <map>
#include <sstream>

#include "report_writers.hpp"
#include "text.hpp"

namespace bnconf::conformance {
namespace {

// Text as XML 1.0 character data or attribute value: markup characters escaped, and every code
// point XML 1.0 does not allow (its production Char: most C0 controls, U+FFFE, U+FFFF; invalid
// UTF-8 is U+FFFD already) written visibly as \xNN, since XML 1.0 has no escape for them.
// Tab, newline and carriage return are kept, as character references, so that attribute
// values keep them too.
std::string xml_escape(const std::string& text) {
  std::string out;
  for (char32_t cp : code_points(text)) {
    switch (cp) {
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
      case '\t':
        out += "&#9;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF) {
          char escaped[16];
          std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned>(cp & 0xFFFF));
          out += escaped;
        } else {
          append_utf8(out, cp);
        }
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

}  // namespace

std::string junit_report(const Report& report) {
  const RunInfo& info = report.info();
  std::map<std::string, std::vector<const CaseResult*>> by_tier;
  for (const auto& r : report.results()) by_tier[r.tier].push_back(&r);
  const auto c = report.counts();
  const auto problems = run_problems(report);
  std::ostringstream xml;
  xml << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"bnconf "
      << xml_escape(info.backend_name) << "\" tests=\"" << report.results().size() + problems.size()
      << "\" failures=\"" << count_of(c, "failure") << "\" errors=\""
      << count_of(c, "error") + problems.size() << "\" skipped=\"" << count_of(c, "skipped")
      << "\">\n";
  if (!problems.empty()) {
    xml << " <testsuite name=\"bnconf.run\" tests=\"" << problems.size() << "\" errors=\""
        << problems.size() << "\">\n";
    for (const auto& [name, text] : problems) {
      xml << "  <testcase classname=\"bnconf.run\" name=\"" << name << "\">\n   <error type=\""
          << name << "\" message=\"" << xml_escape(text) << "\">" << xml_escape(text)
          << "</error>\n  </testcase>\n";
    }
    xml << " </testsuite>\n";
  }
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
