#include "gradient_sums.hpp"

#include "bnconf/reference/execution.hpp"
#include "bnconf/reference/numerics/double_double.hpp"
#include "fast_statistics.hpp"

namespace bnconf::reference::detail {

GradientSums exact_gradient_sums(const Tensor& x, const Tensor& dy, const ChannelBlocks& blocks,
                                 const std::vector<double>& centre,
                                 const std::vector<char>* selected) {
  const double* xs = x.data();
  const double* dys = dy.data();
  return reduce_channel_runs<GradientSum>(
      blocks, [&](GradientSum& acc, std::size_t c, std::size_t offset, std::size_t length) {
        if (selected != nullptr && (*selected)[c] == 0) return;
        for (std::size_t i = offset; i < offset + length; ++i) {
          const numerics::DoubleDouble dev = numerics::two_sum(xs[i], -centre[c]);
          acc.dy.add(dys[i]);
          acc.dy_times_dev.add_product(dys[i], dev.hi);
          if (dev.lo != 0.0) acc.dy_times_dev.add_product(dys[i], dev.lo);
        }
      });
}

GradientSums gradient_sums(const Tensor& x, const Tensor& dy, const ChannelBlocks& blocks,
                           const std::vector<double>& centre) {
  const ExecutionOptions options = execution_options();
  if (options.path == Path::exact || blocks.per_channel() == 0) {
    return exact_gradient_sums(x, dy, blocks, centre, nullptr);
  }
  return fast_gradient_sums(x, dy, blocks, centre, options.isa);
}

}  // namespace bnconf::reference::detail
