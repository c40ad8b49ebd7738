#include "batch_statistics.hpp"

#include <limits>

#include "bnconf/reference/execution.hpp"
#include "fast_statistics.hpp"

namespace bnconf::reference::detail {

using numerics::DoubleDouble;
using numerics::ExactSum;

MeanParts mean_parts(const ExactSum& sum, double count) {
  // Centre m0 = the correctly rounded mean; R = S - M * m0 exactly; mean = m0 + R / M.
  MeanParts parts;
  parts.centre = numerics::dd_div(sum.value_dd(), DoubleDouble(count)).to_double();
  parts.residual = sum;
  parts.residual.add_product(-count, parts.centre);
  const double correction =
      numerics::dd_div(parts.residual.value_dd(), DoubleDouble(count)).to_double();
  parts.mean = numerics::renormalise(parts.centre, correction);
  return parts;
}

ChannelMoments moments_from(const MeanParts& parts, const ExactSum& squares, double count) {
  // sum((x - mean)^2) = sum((x - m0)^2) - R^2 / M.
  const DoubleDouble residual = parts.residual.value_dd();
  const DoubleDouble shift =
      numerics::dd_div(numerics::dd_mul(residual, residual), DoubleDouble(count));
  ChannelMoments moments{parts.mean, numerics::dd_sub(squares.value_dd(), shift)};
  // The difference is >= 0 exactly; an O(u^2) error of the shift must not make it negative.
  if (moments.squared_devs.hi < 0.0) moments.squared_devs = DoubleDouble(0.0);
  return moments;
}

ChannelMoments empty_moments() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  return {DoubleDouble(nan), DoubleDouble(nan)};
}

std::vector<ChannelMoments> exact_batch_moments(const Tensor& x, const ChannelBlocks& blocks,
                                                const std::vector<char>* selected) {
  const auto count = static_cast<double>(blocks.per_channel());
  std::vector<ChannelMoments> moments(blocks.channels, empty_moments());
  if (blocks.per_channel() == 0) return moments;
  const double* data = x.data();
  const auto wanted = [&](std::size_t c) { return selected == nullptr || (*selected)[c] != 0; };

  const auto sums = reduce_channel_runs<ExactSum>(
      blocks, [&](ExactSum& acc, std::size_t c, std::size_t offset, std::size_t length) {
        if (!wanted(c)) return;
        for (std::size_t i = offset; i < offset + length; ++i) acc.add(data[i]);
      });
  std::vector<MeanParts> parts(blocks.channels);
  for (std::size_t c = 0; c < blocks.channels; ++c) {
    if (wanted(c)) parts[c] = mean_parts(sums[c], count);
  }

  // Q = sum((x - m0)^2) exactly: x - m0 = d.hi + d.lo exactly (two_sum), and
  // (d.hi + d.lo)^2 = d.hi^2 + 2 d.hi d.lo + d.lo^2, three products each added exactly
  // (two_prod; exact unless a product underflows, docs/accuracy.md "Limits").
  const auto squares = reduce_channel_runs<ExactSum>(
      blocks, [&](ExactSum& acc, std::size_t c, std::size_t offset, std::size_t length) {
        if (!wanted(c)) return;
        const double m0 = parts[c].centre;
        for (std::size_t i = offset; i < offset + length; ++i) {
          const DoubleDouble d = numerics::two_sum(data[i], -m0);
          acc.add_product(d.hi, d.hi);
          if (d.lo != 0.0) {
            acc.add_product(2.0 * d.hi, d.lo);
            acc.add_product(d.lo, d.lo);
          }
        }
      });

  for (std::size_t c = 0; c < blocks.channels; ++c) {
    if (wanted(c)) moments[c] = moments_from(parts[c], squares[c], count);
  }
  return moments;
}

std::vector<ChannelMoments> batch_moments(const Tensor& x, const ChannelBlocks& blocks) {
  const ExecutionOptions options = execution_options();
  if (options.path == Path::exact || blocks.per_channel() == 0) {
    return exact_batch_moments(x, blocks, nullptr);
  }
  return fast_batch_moments(x, blocks, options.isa);
}

numerics::DoubleDouble variance(const ChannelMoments& moments, double divisor) {
  return numerics::dd_div(moments.squared_devs, DoubleDouble(divisor));
}

}  // namespace bnconf::reference::detail
