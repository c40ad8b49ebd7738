#include "normalise.hpp"

#include "bnconf/reference/execution.hpp"
#include "fast_passes.hpp"
#include "output_tensor.hpp"

namespace bnconf::reference::detail {

using numerics::DoubleDouble;

DoubleDouble inverse_std(DoubleDouble var, double eps, bool zero_for_zero_variance) {
  const DoubleDouble shifted = numerics::dd_add(var, DoubleDouble(eps));
  if (zero_for_zero_variance && shifted.hi == 0.0) return DoubleDouble(0.0);
  return numerics::dd_div(DoubleDouble(1.0), numerics::dd_sqrt(shifted));
}

Tensor apply_transform(const Tensor& x, const ChannelBlocks& blocks,
                       const std::vector<ChannelTransform>& transforms) {
  Tensor y = output_like(x);
  const ExecutionOptions options = execution_options();
  if (options.path == Path::fast) {
    fast_transform(x, y, blocks, transforms, options.isa);
    return y;
  }
  const double* in = x.data();
  double* out = y.data();
  parallel_channel_runs(blocks, [&](std::size_t c, std::size_t offset, std::size_t length) {
    const ChannelTransform& t = transforms[c];
    for (std::size_t i = offset; i < offset + length; ++i) out[i] = transform_element(in[i], t);
  });
  return y;
}

}  // namespace bnconf::reference::detail
