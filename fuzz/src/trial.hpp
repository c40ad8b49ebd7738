// One fuzz case end to end: the case object built into a fixture case by the generator (inputs
// drawn, expected outputs from the reference), checked against the backend's declared
// capabilities, run in an isolated child under the run's limits and judged, exactly as `bnconf
// run` does it (conformance::run_case).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "bnconf/cases/case.hpp"
#include "bnconf/conformance/backend.hpp"
#include "bnconf/conformance/result.hpp"
#include "bnconf/conformance/runner.hpp"

namespace bnconf::fuzz {

struct Trial {
  enum class State { unbuildable, unsupported, ran } state = State::unbuildable;
  std::string why;  // unbuildable or unsupported: the reason
  cases::Case c;
  conformance::CaseResult result;
};

Trial run_trial(const conformance::Backend& backend, const nlohmann::ordered_json& case_object,
                const std::string& id, const conformance::RunOptions& options);

// The tier a case object belongs to: errors for invalid input, core otherwise.
std::string tier_of(const nlohmann::ordered_json& case_object);

}  // namespace bnconf::fuzz
