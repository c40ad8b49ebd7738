// The fast path's kernels with AVX-512 (8 doubles per vector, FMA). The shared headers come
// first, compiled for the baseline instruction set; only kernels_body.inc, in this file's own
// namespace, is compiled for AVX-512 (see the note at the top of kernels_body.inc).
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
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx2,fma")
#endif

namespace bnconf::reference::detail::fast {
namespace avx512 {
namespace {

// The vector types are declared with alignment 8: code outside the target pragma (std::vector's
// allocation, say) would otherwise see a smaller alignment than the code inside assumes.
struct V {
  static constexpr int kWidth = 8;
  typedef double d __attribute__((vector_size(64), aligned(8)));
  typedef std::uint64_t u __attribute__((vector_size(64), aligned(8)));
  typedef std::int64_t i __attribute__((vector_size(64), aligned(8)));
  static constexpr bool kHasFma = true;
  static inline d fma(d a, d b, d c) {
    return (d)_mm512_fmadd_pd((__m512d)a, (__m512d)b, (__m512d)c);
  }
  static inline d load(const double* p) { return (d)_mm512_loadu_pd(p); }
  static inline void store(double* p, d v) { _mm512_storeu_pd(p, (__m512d)v); }
  static inline bool any(u m) { return _mm512_test_epi64_mask((__m512i)m, (__m512i)m) != 0; }
  // Masks: every lane all ones.
  static inline bool all(u m) {
    return _mm512_cmpneq_epi64_mask((__m512i)m, _mm512_set1_epi64(-1)) == 0;
  }
};

#include "kernels_body.inc"

}  // namespace
}  // namespace avx512
}  // namespace bnconf::reference::detail::fast

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace bnconf::reference::detail::fast {

const Kernels& avx512_kernels() {
  static const Kernels table{Isa::avx512,
                             avx512::kW,
                             &avx512::kernel_sums,
                             &avx512::kernel_transform,
                             &avx512::kernel_backward,
                             &avx512::kernel_scale};
  return table;
}

}  // namespace bnconf::reference::detail::fast
