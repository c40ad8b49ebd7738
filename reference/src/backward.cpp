// backward_train and backward_eval.
//
// Training (batch statistics depend on x), per channel with M values, invstd = 1/sqrt(var+eps):
//   dx = gamma * invstd * (dy - B - (x - mean) * K),  B = sum(dy) / M,
//        K = invstd^2 * sum(dy * (x - mean)) / M
//   dweight = invstd * sum(dy * (x - mean)),  dbias = sum(dy)
// which is the usual gamma*invstd*(dy - mean(dy) - xhat*mean(dy*xhat)) with xhat expanded, so
// that the two sums are taken exactly over x - mean instead of over rounded xhat values.
// Frozen statistics (eval): dx = dy * gamma / sqrt(rv + eps), dweight = sum(dy * (x - rm)) /
// sqrt(rv + eps), dbias = sum(dy).
#include <cmath>

#include "affine.hpp"
#include "batch_statistics.hpp"
#include "bnconf/reference/batch_norm.hpp"
#include "bnconf/reference/execution.hpp"
#include "element_formulas.hpp"
#include "fast_passes.hpp"
#include "fast_statistics.hpp"
#include "gradient_sums.hpp"
#include "normalise.hpp"
#include "output_tensor.hpp"
#include "validate.hpp"

namespace bnconf::reference {

using numerics::DoubleDouble;

namespace {

using detail::GradientSums;

// dy in x's layout, so both are walked with the same channel blocks: dy itself when its strides
// already match (no copy), else a converted copy kept in `converted`.
const Tensor& in_layout_of(const Tensor& dy, const Tensor& x, Tensor& converted) {
  if (std::equal(dy.strides().begin(), dy.strides().end(), x.strides().begin(),
                 x.strides().end())) {
    return dy;
  }
  converted = detail::uninitialised_like(x);
  converted.assign(dy);
  return converted;
}

// The batch moments and the gradient sums around each channel's mean.hi: by the fast path in one
// pass over x and dy, by the exact path in three.
detail::BackwardStatistics backward_statistics(const Tensor& x, const Tensor& dy,
                                               const detail::ChannelBlocks& blocks) {
  const ExecutionOptions options = execution_options();
  if (options.path == Path::fast && blocks.per_channel() != 0) {
    return detail::fast_backward_statistics(x, dy, blocks, options.isa);
  }
  detail::BackwardStatistics statistics;
  statistics.moments = detail::exact_batch_moments(x, blocks, nullptr);
  std::vector<double> centre(blocks.channels);
  for (std::size_t c = 0; c < blocks.channels; ++c) centre[c] = statistics.moments[c].mean.hi;
  statistics.sums = detail::exact_gradient_sums(x, dy, blocks, centre, nullptr);
  return statistics;
}

// The element pass of dx, by the path execution_options() names (same bits either way).
template <class Element, class Fast>
Tensor element_pass(const Tensor& x, const detail::ChannelBlocks& blocks, Element element,
                    Fast fast) {
  Tensor dx = detail::output_like(x);
  const ExecutionOptions options = execution_options();
  if (options.path == Path::fast) {
    fast(dx, options.isa);
    return dx;
  }
  double* out = dx.data();
  detail::parallel_channel_runs(blocks, [&](std::size_t c, std::size_t offset, std::size_t length) {
    for (std::size_t i = offset; i < offset + length; ++i) out[i] = element(c, i);
  });
  return dx;
}

BackwardResult make_result(const BatchNormSpec& spec, Tensor dx, const GradientSums& sums,
                           const std::vector<DoubleDouble>& dweight_factor,
                           const std::vector<DoubleDouble>& dev_correction,
                           std::size_t per_channel) {
  BackwardResult result{std::move(dx), {}, {}};
  if (!spec.affine) return result;
  const std::size_t channels = sums.size();
  result.dweight = xt::zeros<double>({channels});
  result.dbias = xt::zeros<double>({channels});
  // An empty batch: both gradients are sums over no elements, 0 (the statistics are NaN).
  if (per_channel == 0) return result;
  for (std::size_t c = 0; c < channels; ++c) {
    const DoubleDouble sum_dy_dev =
        numerics::dd_sub(sums[c].dy_times_dev.value_dd(),
                         numerics::dd_mul(dev_correction[c], sums[c].dy.value_dd()));
    result.dweight(c) = numerics::dd_mul(sum_dy_dev, dweight_factor[c]).to_double();
    result.dbias(c) = sums[c].dy.value();
  }
  return result;
}

BackwardResult backward_with_batch_statistics(const BatchNormSpec& spec, const Tensor& x,
                                              const Tensor& dy_any_layout,
                                              const AffineParams& params) {
  Tensor converted;
  const Tensor& dy = in_layout_of(dy_any_layout, x, converted);
  const detail::ChannelBlocks blocks = detail::channel_blocks(x, "input");
  const auto statistics = backward_statistics(x, dy, blocks);
  const auto& moments = statistics.moments;
  const GradientSums& sums = statistics.sums;
  const auto count = static_cast<double>(blocks.per_channel());

  // Per channel: A = gamma * invstd, B = sum(dy) / M, K = invstd^2 * sum(dy (x - mean)) / M,
  // where sum(dy (x - mean)) = sum(dy (x - centre)) - mean.lo * sum(dy).
  std::vector<detail::BackwardCoefficients> coefficients(blocks.channels);
  std::vector<DoubleDouble> invstd(blocks.channels);
  std::vector<DoubleDouble> mean_lo(blocks.channels);
  for (std::size_t c = 0; c < blocks.channels; ++c) {
    mean_lo[c] = DoubleDouble(moments[c].mean.lo);
    invstd[c] = detail::inverse_std(detail::variance(moments[c], count), spec.eps, true);
    const DoubleDouble sum_dy = sums[c].dy.value_dd();
    const DoubleDouble sum_dy_dev =
        numerics::dd_sub(sums[c].dy_times_dev.value_dd(), numerics::dd_mul(mean_lo[c], sum_dy));
    detail::BackwardCoefficients& co = coefficients[c];
    co.centre = moments[c].mean.hi;
    co.mean_lo = moments[c].mean.lo;
    co.a = numerics::dd_mul(DoubleDouble(detail::gamma_of(spec, params, c)), invstd[c]);
    co.b = numerics::dd_div(sum_dy, DoubleDouble(count));
    co.k = numerics::dd_div(numerics::dd_mul(numerics::dd_mul(invstd[c], invstd[c]), sum_dy_dev),
                            DoubleDouble(count));
  }

  const double* xs = x.data();
  const double* dys = dy.data();
  Tensor dx = element_pass(
      x, blocks,
      [&](std::size_t c, std::size_t i) {
        return detail::backward_element(xs[i], dys[i], coefficients[c]);
      },
      [&](Tensor& out, Isa isa) {
        detail::fast_backward_dx(x, dy, out, blocks, coefficients, isa);
      });
  return make_result(spec, std::move(dx), sums, invstd, mean_lo, blocks.per_channel());
}

}  // namespace

BackwardResult backward_train(const BatchNormSpec& spec, const Tensor& x, const Tensor& dy,
                              const AffineParams& params) {
  // Running statistics play no part in the training gradient; validate as if absent.
  BatchNormSpec without_running = spec;
  without_running.track_running_stats = false;
  detail::validate_backward(without_running, x, dy, params, std::nullopt, detail::Mode::training);
  return backward_with_batch_statistics(spec, x, dy, params);
}

BackwardResult backward_eval(const BatchNormSpec& spec, const Tensor& x,
                             const Tensor& dy_any_layout, const AffineParams& params,
                             const std::optional<RunningStats>& running) {
  const std::size_t channels =
      detail::validate_backward(spec, x, dy_any_layout, params, running, detail::Mode::inference);
  if (!spec.track_running_stats)
    return backward_with_batch_statistics(spec, x, dy_any_layout, params);

  Tensor converted;
  const Tensor& dy = in_layout_of(dy_any_layout, x, converted);
  const detail::ChannelBlocks blocks = detail::channel_blocks(x, "input");
  std::vector<double> centre(channels);
  std::vector<DoubleDouble> invstd(channels);
  std::vector<DoubleDouble> scale(channels);
  for (std::size_t c = 0; c < channels; ++c) {
    centre[c] = running->mean(c);
    invstd[c] = detail::inverse_std(DoubleDouble(running->var(c)), spec.eps, false);
    scale[c] = numerics::dd_mul(DoubleDouble(detail::gamma_of(spec, params, c)), invstd[c]);
  }
  const GradientSums sums = detail::gradient_sums(x, dy, blocks, centre);

  const double* dys = dy.data();
  Tensor dx = element_pass(
      x, blocks,
      [&](std::size_t c, std::size_t i) { return detail::scale_element(dys[i], scale[c]); },
      [&](Tensor& out, Isa isa) { detail::fast_scale_dx(dy, out, blocks, scale, isa); });
  return make_result(spec, std::move(dx), sums, invstd,
                     std::vector<DoubleDouble>(channels, DoubleDouble(0.0)), blocks.per_channel());
}

}  // namespace bnconf::reference
