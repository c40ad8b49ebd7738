#include "fast_statistics.hpp"

#include <cmath>

#include "fast/kernels.hpp"

namespace bnconf::reference::detail {

using numerics::ExactSum;

namespace {

// The fused sums of every channel, the tensor's runs shared among threads; each thread's exact
// sums are merged exactly, so the split does not matter.
std::vector<fast::ChannelSums> fused_sums(Isa isa, const double* x, const double* dy,
                                          const ChannelBlocks& blocks, fast::Counters& counters) {
  const fast::Kernels& kernels = fast::kernels_for(isa);
  const auto parts = static_cast<long>(thread_count(blocks));
  std::vector<std::vector<fast::ChannelSums>> partial(
      static_cast<std::size_t>(parts), std::vector<fast::ChannelSums>(blocks.channels));
  std::vector<fast::Counters> local(static_cast<std::size_t>(parts));
#pragma omp parallel for num_threads(parts) schedule(static)
  for (long part = 0; part < parts; ++part) {
    const auto p = static_cast<std::size_t>(part);
    kernels.sums({blocks, p, static_cast<std::size_t>(parts)}, x, dy, partial[p].data(), local[p]);
  }
  for (std::size_t part = 0; part < partial.size(); ++part) {
    counters += local[part];
    if (part == 0) continue;
    for (std::size_t c = 0; c < blocks.channels; ++c) partial[0][c].add(partial[part][c]);
  }
  return std::move(partial[0]);
}

// The products below are exact (no under- or overflow) for a centre 0 or of magnitude in
// [2^-300, 2^480), given the kernels' range of x and dy (fast/kernels_body.inc).
bool centre_in_range(double centre) {
  const double magnitude = std::fabs(centre);
  return centre == 0.0 || (magnitude >= 0x1p-300 && magnitude < 0x1p480);
}

// Q = sum((x - m0)^2) = sum(x^2) - 2 m0 S + M m0^2 = sum(x^2) - M m0^2 - 2 m0 R, with
// S = M m0 + R: every product enters the superaccumulator exactly (two_prod of doubles, m0^2
// itself split exactly first, R as its exact components).
ExactSum squares_about_centre(const ExactSum& sum_squares, const MeanParts& parts, double count) {
  ExactSum squares = sum_squares;
  const double m0 = parts.centre;
  const numerics::DoubleDouble m0_squared = numerics::two_prod(m0, m0);
  squares.add_product(-count, m0_squared.hi);
  squares.add_product(-count, m0_squared.lo);
  for (const double r : parts.residual.components()) squares.add_product(-2.0 * m0, r);
  return squares;
}

// sum(dy (x - centre)) = sum(dy x) - centre sum(dy), exactly.
GradientSum gradient_about(const fast::ChannelSums& sums, double centre) {
  GradientSum g{sums.dy, sums.dyx};
  for (const double s : sums.dy.components()) g.dy_times_dev.add_product(-centre, s);
  return g;
}

void count_channels(const std::vector<char>& fallback, fast::Counters& counters) {
  for (const char f : fallback) ++(f ? counters.channels_fallback : counters.channels_fast);
}

bool any_selected(const std::vector<char>& selected) {
  for (const char s : selected) {
    if (s) return true;
  }
  return false;
}

}  // namespace

std::vector<ChannelMoments> fast_batch_moments(const Tensor& x, const ChannelBlocks& blocks,
                                               Isa isa) {
  fast::Counters counters;
  const auto count = static_cast<double>(blocks.per_channel());
  const auto sums = fused_sums(isa, x.data(), nullptr, blocks, counters);
  std::vector<ChannelMoments> moments(blocks.channels, empty_moments());
  std::vector<char> fallback(blocks.channels, 0);
  for (std::size_t c = 0; c < blocks.channels; ++c) {
    if (sums[c].declined) {
      fallback[c] = 1;
      continue;
    }
    const MeanParts parts = mean_parts(sums[c].x, count);
    if (!centre_in_range(parts.centre)) {
      fallback[c] = 1;
      continue;
    }
    moments[c] = moments_from(parts, squares_about_centre(sums[c].xx, parts, count), count);
  }
  if (any_selected(fallback)) {
    const auto exact = exact_batch_moments(x, blocks, &fallback);
    for (std::size_t c = 0; c < blocks.channels; ++c) {
      if (fallback[c]) moments[c] = exact[c];
    }
  }
  count_channels(fallback, counters);
  fast::record(counters);
  return moments;
}

BackwardStatistics fast_backward_statistics(const Tensor& x, const Tensor& dy,
                                            const ChannelBlocks& blocks, Isa isa) {
  fast::Counters counters;
  const auto count = static_cast<double>(blocks.per_channel());
  const auto sums = fused_sums(isa, x.data(), dy.data(), blocks, counters);
  BackwardStatistics result{std::vector<ChannelMoments>(blocks.channels, empty_moments()),
                            GradientSums(blocks.channels)};
  std::vector<char> fallback(blocks.channels, 0);
  for (std::size_t c = 0; c < blocks.channels; ++c) {
    if (sums[c].declined) {
      fallback[c] = 1;
      continue;
    }
    const MeanParts parts = mean_parts(sums[c].x, count);
    // The gradient sums are taken around mean.hi, as in the exact path.
    const ChannelMoments moments =
        moments_from(parts, squares_about_centre(sums[c].xx, parts, count), count);
    if (!centre_in_range(parts.centre) || !centre_in_range(moments.mean.hi)) {
      fallback[c] = 1;
      continue;
    }
    result.moments[c] = moments;
    result.sums[c] = gradient_about(sums[c], moments.mean.hi);
  }
  if (any_selected(fallback)) {
    const auto moments = exact_batch_moments(x, blocks, &fallback);
    std::vector<double> centre(blocks.channels, 0.0);
    for (std::size_t c = 0; c < blocks.channels; ++c) centre[c] = moments[c].mean.hi;
    const auto gradients = exact_gradient_sums(x, dy, blocks, centre, &fallback);
    for (std::size_t c = 0; c < blocks.channels; ++c) {
      if (!fallback[c]) continue;
      result.moments[c] = moments[c];
      result.sums[c] = gradients[c];
    }
  }
  count_channels(fallback, counters);
  fast::record(counters);
  return result;
}

GradientSums fast_gradient_sums(const Tensor& x, const Tensor& dy, const ChannelBlocks& blocks,
                                const std::vector<double>& centre, Isa isa) {
  fast::Counters counters;
  const auto sums = fused_sums(isa, x.data(), dy.data(), blocks, counters);
  GradientSums result(blocks.channels);
  std::vector<char> fallback(blocks.channels, 0);
  for (std::size_t c = 0; c < blocks.channels; ++c) {
    if (sums[c].declined || !centre_in_range(centre[c])) {
      fallback[c] = 1;
      continue;
    }
    result[c] = gradient_about(sums[c], centre[c]);
  }
  if (any_selected(fallback)) {
    const auto exact = exact_gradient_sums(x, dy, blocks, centre, &fallback);
    for (std::size_t c = 0; c < blocks.channels; ++c) {
      if (fallback[c]) result[c] = exact[c];
    }
  }
  count_channels(fallback, counters);
  fast::record(counters);
  return result;
}

}  // namespace bnconf::reference::detail
