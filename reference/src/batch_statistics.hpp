// Per-channel batch statistics, exact up to one final rounding.
//
// mean = S / M with S = sum(x) summed exactly. The deviation sum uses the rounded mean m0 as the
// centre: with R = S - M * m0 (exact), sum((x - mean)^2) = Q - R^2 / M where Q = sum((x - m0)^2)
// is summed exactly, so no cancellation is lost however large |mean| / std is
// (docs/accuracy.md). Both sums come from the fast path (fast_statistics.hpp) or from the exact
// path below; the statistics are the same function of them.
#pragma once

#include <vector>

#include "bnconf/reference/numerics/double_double.hpp"
#include "bnconf/reference/numerics/exact_sum.hpp"
#include "bnconf/reference/tensor.hpp"
#include "channel_blocks.hpp"

namespace bnconf::reference::detail {

struct ChannelMoments {
  numerics::DoubleDouble mean;          // hi is the correctly rounded mean
  numerics::DoubleDouble squared_devs;  // sum over the channel of (x - mean)^2
};

// The mean of a channel from the exact sum S of its M values: the centre m0 (the correctly
// rounded mean), the exact residual R = S - M * m0 and the double-double mean m0 + R / M.
struct MeanParts {
  double centre = 0.0;
  numerics::ExactSum residual;
  numerics::DoubleDouble mean;
};
MeanParts mean_parts(const numerics::ExactSum& sum, double count);

// The moments from the mean parts and the exact Q = sum((x - m0)^2).
ChannelMoments moments_from(const MeanParts& parts, const numerics::ExactSum& squares,
                            double count);

// The moments of a channel with M = 0: NaN.
ChannelMoments empty_moments();

// The exact path: S, then Q, each by a pass with ExactSum. Only the channels c with
// selected[c] (every channel when selected is null); the other entries are left as NaN.
std::vector<ChannelMoments> exact_batch_moments(const Tensor& x, const ChannelBlocks& blocks,
                                                const std::vector<char>* selected);

// One entry per channel, by the path execution_options() names. With M = 0 every entry is NaN.
std::vector<ChannelMoments> batch_moments(const Tensor& x, const ChannelBlocks& blocks);

// squared_devs / divisor, rounded once at the end by the caller.
numerics::DoubleDouble variance(const ChannelMoments& moments, double divisor);

}  // namespace bnconf::reference::detail
