// The tiers a case belongs to, written once: the catalogue's groups name one, fixture files are
// one per tier, and reports group by them in this order.
#pragma once

#include <span>
#include <string_view>

namespace bnconf::cases {

struct TierRow {
  std::string_view name;
  std::string_view holds;
};

std::span<const TierRow> tier_table();
bool is_tier(std::string_view name);

}  // namespace bnconf::cases
