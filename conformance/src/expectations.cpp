#include "bnconf/conformance/expectations.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "bnconf/conformance/runner.hpp"

namespace bnconf::conformance {
namespace {

const std::set<std::string>& known_kinds() {
  static const std::set<std::string> kinds{"backend bug", "convention", "precision"};
  return kinds;
}

std::string required_string(const nlohmann::json& entry, const char* field,
                            const std::string& where) {
  if (!entry.contains(field) || !entry[field].is_string() ||
      entry[field].get<std::string>().empty()) {
    throw std::runtime_error(where + ": \"" + field + "\" must be a non-empty string");
  }
  return entry[field].get<std::string>();
}

}  // namespace

std::string ExpectedFailure::explanation() const {
  return kind + ": " + reason + (issue.empty() ? "" : " (" + issue + ")");
}

bool ExpectedFailure::applies_to(const std::string& backend_version) const {
  if (versions.empty()) return true;
  for (const auto& prefix : versions) {
    if (backend_version.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

const ExpectedFailure* Expectations::match(const std::string& case_id) const {
  for (const auto& f : failures) {
    if (filter_matches(f.cases, case_id)) return &f;
  }
  return nullptr;
}

Expectations read_expectations(const std::string& path, const std::string& backend_version) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot be read");
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": not JSON: " + e.what());
  }
  Expectations expectations;
  expectations.path = path;
  if (!json.is_object() || !json.contains("expected_failures") ||
      !json["expected_failures"].is_array()) {
    throw std::runtime_error(path + ": expected an object with an \"expected_failures\" array");
  }
  if (json.contains("backend") && json["backend"].is_string()) {
    expectations.backend = json["backend"].get<std::string>();
  }
  std::size_t index = 0;
  for (const auto& entry : json["expected_failures"]) {
    const std::string where = path + ": expected_failures[" + std::to_string(index++) + "]";
    if (!entry.is_object()) throw std::runtime_error(where + ": not an object");
    ExpectedFailure f;
    f.cases = required_string(entry, "cases", where);
    f.kind = required_string(entry, "kind", where);
    f.reason = required_string(entry, "reason", where);
    if (!known_kinds().count(f.kind)) {
      throw std::runtime_error(where + ": kind \"" + f.kind +
                               "\" is not one of backend bug, convention, precision");
    }
    if (entry.contains("issue")) f.issue = required_string(entry, "issue", where);
    if (entry.contains("versions")) {
      if (!entry["versions"].is_array() || entry["versions"].empty()) {
        throw std::runtime_error(where + ": \"versions\" must be a non-empty array of strings");
      }
      for (const auto& v : entry["versions"]) {
        if (!v.is_string()) throw std::runtime_error(where + ": \"versions\" must hold strings");
        f.versions.push_back(v.get<std::string>());
      }
    }
    if (f.applies_to(backend_version)) expectations.failures.push_back(std::move(f));
  }
  return expectations;
}

}  // namespace bnconf::conformance
