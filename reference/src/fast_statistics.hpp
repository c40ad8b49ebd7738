// The batch statistics and the gradient sums by the fast path: one fused pass of exact sums by
// the vector kernels (fast/kernels.hpp), then the exact path's formulas on the same exact sums.
// Channels the kernels decline, or whose centre is outside the range in which the products below
// are exact, are recomputed by the exact path. Either way every sum is the exact one, so the
// results are the exact path's, bit for bit (docs/accuracy.md, "The certified fast path").
#pragma once

#include <vector>

#include "batch_statistics.hpp"
#include "bnconf/reference/execution.hpp"
#include "gradient_sums.hpp"

namespace bnconf::reference::detail {

std::vector<ChannelMoments> fast_batch_moments(const Tensor& x, const ChannelBlocks& blocks,
                                               Isa isa);

struct BackwardStatistics {
  std::vector<ChannelMoments> moments;
  GradientSums sums;  // around each channel's mean.hi
};
// Both from one pass over x and dy (dy in x's layout).
BackwardStatistics fast_backward_statistics(const Tensor& x, const Tensor& dy,
                                            const ChannelBlocks& blocks, Isa isa);

GradientSums fast_gradient_sums(const Tensor& x, const Tensor& dy, const ChannelBlocks& blocks,
                                const std::vector<double>& centre, Isa isa);

}  // namespace bnconf::reference::detail
