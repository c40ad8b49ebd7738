// The fast path's kernels with AVX2 (4 doubles per vector, FMA). The shared headers come
// first, compiled for the baseline instruction set; only kernels_body.inc, in this file's own
// namespace, is compiled for AVX2 (see the note at the top of kernels_body.inc).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "kernels.hpp"

// GCC takes the instruction set for a region as a target pragma; clang as a target attribute
// applied to every function of the region (clang builds the libFuzzer harnesses).
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

namespace bnconf::reference::detail::fast {
namespace avx2 {
namespace {

// The vector types are declared with alignment 8: code outside the target pragma (std::vector's
// allocation, say) would otherwise see a smaller alignment than the code inside assumes.
struct V {
  static constexpr int kWidth = 4;
  typedef double d __attribute__((vector_size(32), aligned(8)));
  typedef std::uint64_t u __attribute__((vector_size(32), aligned(8)));
  typedef std::int64_t i __attribute__((vector_size(32), aligned(8)));
  static constexpr bool kHasFma = true;
  static inline d fma(d a, d b, d c) {
    return (d)_mm256_fmadd_pd((__m256d)a, (__m256d)b, (__m256d)c);
  }
  static inline d load(const double* p) { return (d)_mm256_loadu_pd(p); }
  static inline void store(double* p, d v) { _mm256_storeu_pd(p, (__m256d)v); }
  static inline bool any(u m) { return !_mm256_testz_si256((__m256i)m, (__m256i)m); }
  // Masks: every lane all ones.
  static inline bool all(u m) { return _mm256_testc_si256((__m256i)m, _mm256_set1_epi64x(-1)); }
};

#include "kernels_body.inc"

}  // namespace
}  // namespace avx2
}  // namespace bnconf::reference::detail::fast

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace bnconf::reference::detail::fast {

const Kernels& avx2_kernels() {
  static const Kernels table{Isa::avx2,
                             avx2::kW,
                             &avx2::kernel_sums,
                             &avx2::kernel_transform,
                             &avx2::kernel_backward,
                             &avx2::kernel_scale};
  return table;
}

}  // namespace bnconf::reference::detail::fast
