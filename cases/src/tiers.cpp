#include "bnconf/cases/tiers.hpp"

namespace bnconf::cases {
namespace {

constexpr TierRow kTiers[] = {
    {"core",
     "every operation, rank, layout, preset, dtype and flag; sizes, cancellation, eps, "
     "magnitudes, sequences, the seed pipeline"},
    {"stress", "long reductions: many values per channel"},
    {"ieee", "NaN and infinities in the inputs"},
    {"errors", "invalid inputs that every entry point must reject"},
};

}  // namespace

std::span<const TierRow> tier_table() { return kTiers; }

bool is_tier(std::string_view name) {
  for (const auto& row : kTiers) {
    if (row.name == name) return true;
  }
  return false;
}

}  // namespace bnconf::cases
