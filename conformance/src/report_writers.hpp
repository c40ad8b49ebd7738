// The texts of a report: JSON (json_report.cpp), JUnit XML (junit_report.cpp), HTML
// (html_report.cpp) and the terminal summary (terminal_report.cpp), each from the report's result
// model alone.
#pragma once

#include <string>

#include "bnconf/conformance/report.hpp"

namespace bnconf::conformance {

std::string json_report(const Report& report);
std::string junit_report(const Report& report);
std::string html_report(const Report& report);
std::string terminal_report(const Report& report);  // terminal_table, then terminal_problems
std::string terminal_table(const Report& report);
// One block per case that did not pass with its rerun line, load errors, stale expectations.
std::string terminal_problems(const Report& report);

// One block per case that did not pass: status, id, message, explanation, and per failed output
// its reason and worst element (the terminal summary and JUnit's failure texts).
std::string failure_block(const CaseResult& result);

// The command that reruns just one case of the run (rerun_command.cpp): `bnconf run` with the
// run's backend and fixtures and a filter naming the case, or `bnconf check` with the results
// file; words that need it are single-quoted for a POSIX shell.
std::string rerun_command(const RunInfo& info, const std::string& case_id);

}  // namespace bnconf::conformance
