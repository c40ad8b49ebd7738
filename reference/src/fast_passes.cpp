#include "fast_passes.hpp"

#include "fast/kernels.hpp"

namespace bnconf::reference::detail {
namespace {

// run(kernels, share, counters) for every share, one per thread.
template <class Run>
void parallel_shares(Isa isa, const ChannelBlocks& blocks, Run&& run) {
  const fast::Kernels& kernels = fast::kernels_for(isa);
  const auto parts = static_cast<long>(thread_count(blocks));
  std::vector<fast::Counters> local(static_cast<std::size_t>(parts));
#pragma omp parallel for num_threads(parts) schedule(static)
  for (long part = 0; part < parts; ++part) {
    const auto p = static_cast<std::size_t>(part);
    run(kernels, fast::Share{blocks, p, static_cast<std::size_t>(parts)}, local[p]);
  }
  fast::Counters total;
  for (const auto& counters : local) total += counters;
  fast::record(total);
}

}  // namespace

void fast_transform(const Tensor& x, Tensor& y, const ChannelBlocks& blocks,
                    const std::vector<ChannelTransform>& transforms, Isa isa) {
  parallel_shares(isa, blocks,
                  [&](const fast::Kernels& k, const fast::Share& share, fast::Counters& counters) {
                    k.transform(share, x.data(), y.data(), transforms.data(), counters);
                  });
}

void fast_backward_dx(const Tensor& x, const Tensor& dy, Tensor& dx, const ChannelBlocks& blocks,
                      const std::vector<BackwardCoefficients>& coefficients, Isa isa) {
  parallel_shares(
      isa, blocks, [&](const fast::Kernels& k, const fast::Share& share, fast::Counters& counters) {
        k.backward(share, x.data(), dy.data(), dx.data(), coefficients.data(), counters);
      });
}

void fast_scale_dx(const Tensor& dy, Tensor& dx, const ChannelBlocks& blocks,
                   const std::vector<numerics::DoubleDouble>& scale, Isa isa) {
  parallel_shares(isa, blocks,
                  [&](const fast::Kernels& k, const fast::Share& share, fast::Counters& counters) {
                    k.scale(share, dy.data(), dx.data(), scale.data(), counters);
                  });
}

}  // namespace bnconf::reference::detail
