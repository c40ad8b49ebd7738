// The fast path's kernels for any x86-64 CPU: pairs of doubles (SSE2), Dekker's product (no FMA).
#include <emmintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "kernels.hpp"

namespace bnconf::reference::detail::fast {
namespace portable {
namespace {

// The vector types are declared with alignment 8: code outside the target pragma (std::vector's
// allocation, say) would otherwise see a smaller alignment than the code inside assumes.
struct V {
  static constexpr int kWidth = 2;
  typedef double d __attribute__((vector_size(16), aligned(8)));
  typedef std::uint64_t u __attribute__((vector_size(16), aligned(8)));
  typedef std::int64_t i __attribute__((vector_size(16), aligned(8)));
  static constexpr bool kHasFma = false;
  static inline d fma(d, d, d c) { return c; }  // not used without kHasFma
  static inline d load(const double* p) { return (d)_mm_loadu_pd(p); }
  static inline void store(double* p, d v) { _mm_storeu_pd(p, (__m128d)v); }
  static inline bool any(u m) { return (m[0] | m[1]) != 0; }
  // Masks: every lane all ones.
  static inline bool all(u m) { return (m[0] & m[1]) == ~std::uint64_t{0}; }
};

#include "kernels_body.inc"

}  // namespace
}  // namespace portable

const Kernels& portable_kernels() {
  static const Kernels table{Isa::portable,
                             portable::kW,
                             &portable::kernel_sums,
                             &portable::kernel_transform,
                             &portable::kernel_backward,
                             &portable::kernel_scale};
  return table;
}

}  // namespace bnconf::reference::detail::fast
