// report_writers.hpp: the one-line rerun of a case, printed under each case that did not pass and
// recorded in the JSON report.
#include <algorithm>

#include "bnconf/conformance/runner.hpp"
#include "report_writers.hpp"

namespace bnconf::conformance {
namespace {

std::string shell_word(const std::string& word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) ||
           std::string_view("/._-+=:,").find(ch) != std::string_view::npos;
  });
  if (plain) return word;
  std::string quoted = "'";
  for (const char ch : word) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return quoted + "'";
}

bool results_file(const RunInfo& info) {
  const std::string& origin = info.backend_origin;
  return origin.size() > 3 && origin.compare(origin.size() - 3, 3, ".h5") == 0;
}

}  // namespace

std::string rerun_command(const RunInfo& info, const std::string& case_id) {
  std::string command;
  if (results_file(info)) {
    command = "bnconf check --results " + shell_word(info.backend_origin);
  } else {
    const std::string backend =
        info.backend_origin == "bundled" ? info.backend_name : info.backend_origin;
    command = "bnconf run --backend " + shell_word(backend);
  }
  const bool default_set =
      info.fixtures.size() == 1 && info.fixtures.front() == default_fixtures_path();
  if (!default_set) {
    for (const auto& path : info.fixtures) command += " --fixtures " + shell_word(path);
  }
  return command + " --filter " + shell_word(case_id);
}

}  // namespace bnconf::conformance
