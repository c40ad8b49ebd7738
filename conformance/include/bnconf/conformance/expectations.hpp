// Expected failures of a backend: failures that were investigated and explained (a bug of the
// backend, a convention it does not share, a precision it does not promise), read from a JSON file
// passed with `bnconf run --expect` / `bnconf check --expect`:
//
//   {"backend": "onednn",
//    "expected_failures": [{"cases": "core.*.bf16.*:ieee.nan_*", "kind": "backend bug",
//                           "reason": "...", "issue": "https://...",
//                           "versions": ["1.13"]}]}
//
// "versions" (optional) limits an entry to backend versions starting with one of the prefixes (a
// bug fixed in a later release). "cases" is a gtest-style list of patterns (':' separated, * and
// ?). A failing case that matches an entry is still reported as failing, with the entry's
// explanation, and no longer makes the run fail. An entry that matches selected cases none of which
// fails is stale, and does.
#pragma once

#include <string>
#include <vector>

namespace bnconf::conformance {

struct ExpectedFailure {
  std::string cases;
  std::string kind;  // "backend bug", "convention" or "precision"
  std::string reason;
  std::string issue;                  // public issue or documentation, may be empty
  std::vector<std::string> versions;  // version prefixes the entry applies to; empty: all
  bool applies_to(const std::string& backend_version) const;
  std::string explanation() const;  // "kind: reason (issue)"
};

struct Expectations {
  std::string path;
  std::string backend;
  std::vector<ExpectedFailure> failures;
  // The first entry whose patterns match `case_id`, or nullptr.
  const ExpectedFailure* match(const std::string& case_id) const;
};

// Throws std::runtime_error naming the file and the entry when it is malformed. Entries whose
// "versions" exclude `backend_version` are left out.
Expectations read_expectations(const std::string& path, const std::string& backend_version = "");

}  // namespace bnconf::conformance
