// Counts of one call (or one thread's share of it), added to the process-wide counters of
// bnconf/reference/execution.hpp at the end of the call.
#pragma once

#include <cstdint>

namespace bnconf::reference::detail::fast {

struct Counters {
  std::uint64_t channels_fast = 0;
  std::uint64_t channels_fallback = 0;
  std::uint64_t residual_terms = 0;
  std::uint64_t elements_vector = 0;
  std::uint64_t elements_guarded = 0;

  Counters& operator+=(const Counters& other) {
    channels_fast += other.channels_fast;
    channels_fallback += other.channels_fallback;
    residual_terms += other.residual_terms;
    elements_vector += other.elements_vector;
    elements_guarded += other.elements_guarded;
    return *this;
  }
};

// Adds `local` to the process-wide counters (execution.cpp).
void record(const Counters& local);

}  // namespace bnconf::reference::detail::fast
