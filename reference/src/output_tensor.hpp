// Allocation of the activation-sized outputs (y, dx).
#pragma once

#include "bnconf/reference/tensor.hpp"

namespace bnconf::reference::detail {

// A tensor with x's shape and strides whose values are to be written (not initialised). When
// execution_options().huge_page_outputs and the tensor spans several 2 MiB pages, the kernel is
// asked (madvise MADV_HUGEPAGE, Linux) to back it with transparent huge pages before its first
// touch: one page fault per 2 MiB instead of one per 4 KiB, which is most of the cost of writing
// a fresh output of tens of MB (docs/performance.md). The values are unaffected.
Tensor output_like(const Tensor& x);

}  // namespace bnconf::reference::detail
