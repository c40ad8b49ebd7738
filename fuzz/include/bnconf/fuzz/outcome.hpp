// What one fuzz case did, reduced to what identifies a failure: status, operation, the first
// failing output and the kind of its failure ("error above bound", "NaN where a finite value is
// expected", "systematic rounding", "misbehaved", ...), without the numbers that vary from case
// to case. Shrinking keeps a candidate only when this stays the same, and findings are
// deduplicated by it.
#pragma once

#include <string>

#include "bnconf/conformance/result.hpp"

namespace bnconf::fuzz {

struct Outcome {
  conformance::CaseStatus status = conformance::CaseStatus::pass;
  std::string operation;
  std::string output;  // the first failing output; "" for a failure that is not an output's
  std::string kind;

  bool failed() const;  // a problem status (conformance::is_problem)
  std::string text() const;  // "fail forward_train y: error above bound"
  bool operator==(const Outcome&) const = default;
};

Outcome outcome_of(const conformance::CaseResult& result);

}  // namespace bnconf::fuzz
