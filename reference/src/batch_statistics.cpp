#include "batch_statistics.hpp"

#include <limits>

#include "bnconf/reference/numerics/exact_sum.hpp"

namespace bnconf::reference::detail {

using numerics::DoubleDouble;
using numerics::ExactSum;

std::vector<ChannelMoments> batch_moments(const Tensor& x, const ChannelBlocks& blocks) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto count = static_cast<double>(blocks.per_channel());
  std::vector<ChannelMoments> moments(blocks.channels, {DoubleDouble(nan), DoubleDouble(nan)});
  if (blocks.per_channel() == 0) return moments;
  const double* data = x.data();

  const auto sums = reduce_channel_runs<ExactSum>(
      blocks, [&](ExactSum& acc, std::size_t, std::size_t offset, std::size_t length) {
        for (std::size_t i = offset; i < offset + length; ++i) acc.add(data[i]);
      });

  // Centre m0 = the correctly rounded mean; R = S - M * m0 exactly; mean = m0 + R / M.
  std::vector<double> centre(blocks.channels);
  std::vector<DoubleDouble> residual(blocks.channels);
  for (std::size_t c = 0; c < blocks.channels; ++c) {
    centre[c] = numerics::dd_div(sums[c].value_dd(), DoubleDouble(count)).to_double();
    ExactSum r = sums[c];
    r.add_product(-count, centre[c]);
    residual[c] = r.value_dd();
    const double correction = numerics::dd_div(residual[c], DoubleDouble(count)).to_double();
    moments[c].mean = numerics::renormalise(centre[c], correction);
  }

  // sum((x - m0)^2) exactly: x - m0 = d.hi + d.lo exactly (two_sum), and
  // (d.hi + d.lo)^2 = d.hi^2 + 2 d.hi d.lo + d.lo^2, three products each added exactly (two_prod;
  // exact unless a product underflows, docs/accuracy.md "Limits"). The sum no longer depends on
  // the order of its terms, hence on the layout or the thread split.
  const auto squares = reduce_channel_runs<ExactSum>(
      blocks, [&](ExactSum& acc, std::size_t c, std::size_t offset, std::size_t length) {
        const double m0 = centre[c];
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
    // sum((x - mean)^2) = sum((x - m0)^2) - R^2 / M.
    const DoubleDouble shift =
        numerics::dd_div(numerics::dd_mul(residual[c], residual[c]), DoubleDouble(count));
    moments[c].squared_devs = numerics::dd_sub(squares[c].value_dd(), shift);
    // The difference is >= 0 exactly; an O(u^2) error of the shift must not make it negative.
    if (moments[c].squared_devs.hi < 0.0) moments[c].squared_devs = DoubleDouble(0.0);
  }
  return moments;
}

numerics::DoubleDouble variance(const ChannelMoments& moments, double divisor) {
  return numerics::dd_div(moments.squared_devs, DoubleDouble(divisor));
}

}  // namespace bnconf::reference::detail
