// The formats a report can be written in, as a table: each has a name (the command-line option
// --<name> FILE takes its path) and a writer of the report's text. Adding a format is one row
// and one writer; the command line, the runner and the report pick it up from here.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace bnconf::conformance {

class Report;

struct ReportFormat {
  std::string_view name;  // "json", "junit"
  std::string_view help;  // for --help
  std::string (*render)(const Report& report);
};

std::span<const ReportFormat> report_formats();
const ReportFormat* find_report_format(std::string_view name);

}  // namespace bnconf::conformance
