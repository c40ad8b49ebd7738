// The two sums of the backward per channel, around a double centre:
//   sum(dy) and sum(dy * (x - centre)), both exact.
#pragma once

#include <vector>

#include "bnconf/reference/numerics/exact_sum.hpp"
#include "bnconf/reference/tensor.hpp"
#include "channel_blocks.hpp"

namespace bnconf::reference::detail {

struct GradientSum {
  numerics::ExactSum dy;            // sum(dy)
  numerics::ExactSum dy_times_dev;  // sum(dy * (x - centre))

  void add(const GradientSum& other) {
    dy.add(other.dy);
    dy_times_dev.add(other.dy_times_dev);
  }
};
using GradientSums = std::vector<GradientSum>;

// The exact path: x - centre is split exactly (two_sum) and each product added exactly. Only the
// channels c with selected[c] (every channel when selected is null); dy in x's layout.
GradientSums exact_gradient_sums(const Tensor& x, const Tensor& dy, const ChannelBlocks& blocks,
                                 const std::vector<double>& centre,
                                 const std::vector<char>* selected);

// By the path execution_options() names.
GradientSums gradient_sums(const Tensor& x, const Tensor& dy, const ChannelBlocks& blocks,
                           const std::vector<double>& centre);

}  // namespace bnconf::reference::detail
