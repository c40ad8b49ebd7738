// outcome.hpp
#include "bnconf/fuzz/outcome.hpp"

#include <cctype>

namespace bnconf::fuzz {
namespace {

// The words of a reason before its first number or parenthesis: "error 0.3 above bound 0.1"
// is "error above bound", "NaN where a finite value is expected (3 of 60 ...)" keeps its words.
std::string kind_of(const std::string& reason) {
  if (reason.rfind("error ", 0) == 0 && reason.find("above bound") != std::string::npos) {
    return "error above bound";
  }
  std::string kind;
  for (const char ch : reason) {
    if (ch == '(' || ch == ':' || ch == ';' || std::isdigit(static_cast<unsigned char>(ch))) break;
    kind += ch;
  }
  while (!kind.empty() && kind.back() == ' ') kind.pop_back();
  return kind;
}

}  // namespace

bool Outcome::failed() const { return conformance::is_problem(status); }

std::string Outcome::text() const {
  std::string t = conformance::to_string(status) + " " + operation;
  if (!output.empty()) t += " " + output;
  return t + (kind.empty() ? "" : ": " + kind);
}

Outcome outcome_of(const conformance::CaseResult& result) {
  Outcome o;
  o.status = result.status;
  o.operation = result.operation;
  for (const auto& check : result.outputs) {
    if (check.passed) continue;
    o.output = check.name;
    o.kind = kind_of(check.reason);
    return o;
  }
  if (o.failed()) o.kind = kind_of(result.message);
  return o;
}

}  // namespace bnconf::fuzz
