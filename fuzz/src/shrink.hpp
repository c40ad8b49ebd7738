// Shrinking a failing fuzz case (docs/fuzzing.md, "Shrinking"): greedy simplification of its
// case object — smaller shape, plainer data, fewer options — keeping each step only if the case
// still fails the same output the same way (outcome.hpp). Deterministic: the candidates come in
// a fixed order and the first one that keeps the failure is taken.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "bnconf/fuzz/outcome.hpp"

namespace bnconf::fuzz {

// The simplifications of a case object, the largest first.
std::vector<nlohmann::ordered_json> simplifications(const nlohmann::ordered_json& case_object);

// `attempt` runs a candidate and gives its outcome (nullopt when the candidate is not a case the
// backend can run). Stops after `max_runs` attempts. Returns the smallest case object found and
// the number of attempts made.
std::pair<nlohmann::ordered_json, std::size_t> shrink(
    const nlohmann::ordered_json& failing, const Outcome& target,
    const std::function<std::optional<Outcome>(const nlohmann::ordered_json&)>& attempt,
    std::size_t max_runs);

}  // namespace bnconf::fuzz
