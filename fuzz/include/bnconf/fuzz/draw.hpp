// Drawing fuzz cases from the input space (docs/fuzzing.md). A drawn case is a case object in the
// catalogue's own keys (docs/fixture-format.md, "Case keys"), built into a fixture case by the
// generator exactly as a committed case is, so its expected outputs come from the reference and
// it can be written as a fixture file. Draws are biased toward the boundaries of the coverage
// model (docs/coverage.md): channel counts and values per channel around the vector, warp and
// work-group sizes, empty tensors, special values, counters at their types' limits, eps at 0 and
// large, every error kind on every entry point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "bnconf/adapter.h"

namespace bnconf::fuzz {

struct DrawLimits {
  std::size_t max_elements = 4096;  // of x (per step for sequences)
};

// Case number `index` of seed `seed`: a pure function of (seed, index, capabilities, limits).
// Only what the backend declares is drawn (dtypes, layouts, ranks, entry points, features,
// conventions, estimators); the caller still checks the built case's requirements.
nlohmann::ordered_json draw_case(std::uint64_t seed, std::uint64_t index,
                                 const bnconf_capabilities& capabilities, const DrawLimits& limits);

}  // namespace bnconf::fuzz
