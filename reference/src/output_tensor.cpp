#include "output_tensor.hpp"

#include <cstdint>

#include "bnconf/reference/execution.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace bnconf::reference::detail {

Tensor output_like(const Tensor& x) {
  Tensor y(x.shape(), x.strides());
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHugePage = std::uintptr_t{1} << 21;
  const std::size_t bytes = y.size() * sizeof(double);
  if (bytes >= 4 * kHugePage && execution_options().huge_page_outputs) {
    // The whole huge pages inside the allocation; advice is only a hint, so failure is ignored.
    const auto begin = reinterpret_cast<std::uintptr_t>(y.data());
    const std::uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
    const std::uintptr_t last = (begin + bytes) & ~(kHugePage - 1);
    if (last > first) {
      (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
    }
  }
#endif
  return y;
}

}  // namespace bnconf::reference::detail
