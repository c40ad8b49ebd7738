// cpu-f32: a float32 CPU BatchNorm written as a production backend would be, and, through its
// Bug parameter, every mutant of suites/material/. A mutant is this same source compiled with
// one realistic bug switched on (Bug::<name>, chosen by BNCONF_MUTATION), the deviating code
// standing exactly where the bug would be written, so a mutant differs from cpu-f32 in that one
// place and nothing else. The bundled backend is CpuF32Backend<Bug::none>.
//
// Numerics (all in float; f16 and bf16 elements are decoded to float and results rounded back
// to nearest even):
// - Reductions sum blocks of kBlock elements sequentially (8 lanes along contiguous runs) and
//   combine the block sums pairwise, so the error grows with log2(M) rather than M.
// - Batch statistics use the corrected two-pass algorithm: a first pass gives centre = sum / M;
//   a second pass sums d = x - centre and d^2; then mean = centre + sum(d) / M and
//   sum((x - mean)^2) = sum(d^2) - sum(d)^2 / M (Chan, Golub and LeVeque 1983). d is computed
//   in float without cancellation error however large |mean| / std is, and the centre's
//   rounding is carried as a separate correction, so x - mean is never formed from a rounded
//   mean. Never the one-pass E[x^2] - E[x]^2 (real-bugs.md, "Cancellation").
// - Outputs are ((x - centre) - correction) * (gamma * invstd) + beta, and
//   dx = gamma * invstd * (dy - mean(dy) - (x - mean) * invstd^2 * mean(dy * (x - mean))).
//
// Semantics follow PyTorch (docs/semantics.md): biased variance to normalise; saved invstd
// 1 / sqrt(var + eps), 0 when var + eps == 0 in training; eval uses 1 / sqrt(running_var + eps)
// with no zero rule; running statistics per convention and estimator, momentum none as
// m = 1 / num_batches_tracked after the increment; an empty batch gives NaN batch statistics,
// unchanged running statistics, an incremented counter and zero weight gradients.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "bnconf/adapter.hpp"
#include "bnconf/ieee/rounding.hpp"
#include "bnconf/version.h"

namespace bnconf::backends::cpu_f32 {

// The mutations (cpu_f32_mutations.def: each bug, what it does and the real bug class it models).
enum class Bug {
  none,
#define BNCONF_CPU_F32_MUTATION(name, what, models) name,
#include "cpu_f32_mutations.def"
#undef BNCONF_CPU_F32_MUTATION
};

// "cpu-f32", or "mutant_<name>" for a mutation.
constexpr const char* backend_name(Bug bug) {
  switch (bug) {
    case Bug::none:
      return "cpu-f32";
#define BNCONF_CPU_F32_MUTATION(name, what, models) \
  case Bug::name:                                   \
    return "mutant_" #name;
#include "cpu_f32_mutations.def"
#undef BNCONF_CPU_F32_MUTATION
  }
  return "?";
}

// How an element of each supported storage dtype becomes a float and back.
struct F32 {
  using Storage = float;
  static float load(Storage value) { return value; }
  static Storage store(float value) { return value; }
  static float narrow(float value) { return value; }  // value rounded to the storage precision
};
struct F16 {
  using Storage = std::uint16_t;
  static float load(Storage bits) { return static_cast<float>(ieee::f16_from_bits(bits)); }
  static Storage store(float value) { return ieee::f16_bits(value); }
  static float narrow(float value) { return static_cast<float>(ieee::to_f16(value)); }
};
struct BF16 {
  using Storage = std::uint16_t;
  static float load(Storage bits) { return static_cast<float>(ieee::bf16_from_bits(bits)); }
  static Storage store(float value) { return ieee::bf16_bits(value); }
  static float narrow(float value) { return static_cast<float>(ieee::to_bf16(value)); }
};

// Sequential run of a block before block sums are combined pairwise: long enough for the inner
// loops to stream, short enough that the sequential error (kBlock * u) stays small.
inline constexpr std::size_t kBlock = 128;
// Independent partial sums along a contiguous run (what a SIMD register of floats holds).
inline constexpr std::size_t kLanes = 8;

// An activation as (N, C, S) with S the product of the spatial extents. Channels-first storage
// is [N][C][S] (each channel a run of S per sample); channels-last is [N*S][C].
struct Geometry {
  std::size_t batch = 0;
  std::size_t channels = 0;
  std::size_t spatial = 1;
  bool channels_last = false;

  std::size_t per_channel() const { return batch * spatial; }
  std::size_t size() const { return batch * channels * spatial; }
};

inline Geometry geometry_of(const bnconf_tensor& x) {
  Geometry g;
  g.batch = static_cast<std::size_t>(x.shape[0]);
  g.channels = static_cast<std::size_t>(x.shape[1]);
  for (int axis = 2; axis < x.rank; ++axis) g.spatial *= static_cast<std::size_t>(x.shape[axis]);
  // With one position per sample both layouts are [N][C]: the channels-first path serves both.
  g.channels_last = x.layout == BNCONF_CHANNELS_LAST && g.spatial > 1;
  return g;
}

template <std::size_t K>
using Values = std::array<float, K>;

// Batch statistics of one channel: mean = centre + correction; m2 = sum((x - mean)^2).
struct Moments {
  float centre = 0.0f;
  float correction = 0.0f;
  float m2 = 0.0f;
  float mean() const { return centre + correction; }
};

// y = ((x - centre) - correction) * scale + shift for one channel.
struct Transform {
  float centre = 0.0f;
  float correction = 0.0f;
  float scale = 0.0f;
  float shift = 0.0f;
};

// Per-channel factors of dx = a * ((dy - b) - (x - mean) * k).
struct GradientCoefficients {
  float a = 0.0f;  // gamma * invstd
  float b = 0.0f;  // mean(dy)
  float k = 0.0f;  // invstd^2 * mean(dy * (x - mean))
};

inline float gamma_of(const bnconf_params& params, const bnconf_vector& weight, std::size_t c) {
  return params.affine ? static_cast<float>(weight.data[c]) : 1.0f;
}

inline float beta_of(const bnconf_params& params, const bnconf_vector& bias, std::size_t c) {
  return params.affine ? static_cast<float>(bias.data[c]) : 0.0f;
}

// Writes a per-channel result into an output the caller asked for (data != NULL). Any other
// length than C is the caller's mistake: reported, never written past.
inline void write_vector(const std::vector<double>& values, bnconf_vector_out out,
                         const char* name) {
  if (!out.data) return;
  if (out.length != static_cast<std::int64_t>(values.size())) {
    throw std::invalid_argument(std::string("output ") + name + " has length " +
                                std::to_string(out.length) + " not " +
                                std::to_string(values.size()));
  }
  std::copy(values.begin(), values.end(), out.data);
}

template <Bug kBug, class Io>
class Kernels {
 public:
  using Storage = typename Io::Storage;

  // An output element rounded to its storage dtype.
  static Storage store_output(float value) {
    Storage stored = Io::store(value);
    if constexpr (kBug == Bug::truncating_narrowing && !std::is_same_v<Io, F32>) {
      // BUG: narrows toward zero (the float's low bits dropped, as a shift `bits >> 16` does
      // for bf16) instead of to nearest-even: where rounding went up in magnitude, step the
      // encoding's magnitude back by one. Every element stays within an ulp of the right one.
      if (std::fabs(Io::load(stored)) > std::fabs(value) && std::isfinite(value)) --stored;
    }
    return stored;
  }

  static void forward_train(const bnconf_params& params, const bnconf_tensor& x,
                            const bnconf_vector& weight, const bnconf_vector& bias,
                            const bnconf_running* running_in, void* y, bnconf_vector_out batch_mean,
                            bnconf_vector_out batch_var, bnconf_vector_out saved_invstd,
                            bnconf_running_out* running_out) {
    const Geometry g = geometry_of(x);
    const auto* xs = static_cast<const Storage*>(x.data);
    Storage* centred_in_place = nullptr;
    if constexpr (kBug == Bug::modifies_input) {
      // BUG: "saves a temporary" by keeping x - centre in the input buffer, casting away the
      // const the ABI puts on x; y comes out right, the caller's x is gone (the in-place
      // aliasing class of tt-metal PR #45578).
      centred_in_place = const_cast<Storage*>(xs);
    }
    const std::vector<Moments> moments = batch_moments(xs, g, centred_in_place);
    const auto eps = static_cast<float>(params.eps);
    std::vector<Transform> transforms(g.channels);
    std::vector<double> mean_out(g.channels), var_out(g.channels), invstd_out(g.channels);
    for (std::size_t c = 0; c < g.channels; ++c) {
      const float var = normalising_variance(moments[c], g.per_channel());
      const float invstd = batch_invstd(var, eps);
      transforms[c] = {centred_in_place ? 0.0f : moments[c].centre, moments[c].correction,
                       gamma_of(params, weight, c) * invstd, beta_of(params, bias, c)};
      mean_out[c] = moments[c].mean();
      var_out[c] = var;
      invstd_out[c] = saved_invstd_of(var, eps, invstd);
    }
    normalise(centred_in_place ? centred_in_place : xs, static_cast<Storage*>(y), g, transforms);
    write_vector(mean_out, batch_mean, "batch_mean");
    write_vector(var_out, batch_var, "batch_var");
    write_vector(invstd_out, saved_invstd, "saved_invstd");
    if (params.track_running_stats && running_in && running_out) {
      update_running(params, *running_in, moments, g.per_channel(), *running_out);
    }
  }

  static void forward_eval(const bnconf_params& params, const bnconf_tensor& x,
                           const bnconf_vector& weight, const bnconf_vector& bias,
                           const bnconf_running* running, void* y) {
    const Geometry g = geometry_of(x);
    const auto* xs = static_cast<const Storage*>(x.data);
    const auto eps = static_cast<float>(params.eps);
    std::vector<Transform> transforms(g.channels);
    if (!params.track_running_stats) {
      // No running statistics: inference normalises with the batch's, as PyTorch does when both
      // buffers are None (and with training's zero rule).
      const std::vector<Moments> moments = batch_moments(xs, g, nullptr);
      for (std::size_t c = 0; c < g.channels; ++c) {
        const float invstd = batch_invstd(normalising_variance(moments[c], g.per_channel()), eps);
        transforms[c] = {moments[c].centre, moments[c].correction,
                         gamma_of(params, weight, c) * invstd, beta_of(params, bias, c)};
      }
    } else {
      for (std::size_t c = 0; c < g.channels; ++c) {
        const float invstd = running_invstd(static_cast<float>(running->var.data[c]), eps);
        transforms[c] = {static_cast<float>(running->mean.data[c]), 0.0f,
                         gamma_of(params, weight, c) * invstd, beta_of(params, bias, c)};
      }
    }
    normalise(xs, static_cast<Storage*>(y), g, transforms);
  }

  static void backward_train(const bnconf_params& params, const bnconf_tensor& x,
                             const bnconf_tensor& dy, const bnconf_vector& weight, void* dx,
                             bnconf_vector_out dweight, bnconf_vector_out dbias) {
    const Geometry g = backward_geometry(x);
    const auto* xs = static_cast<const Storage*>(x.data);
    const std::vector<Storage> dy_copy = dy_in_layout_of_x(dy, x);
    const Storage* dys = dy_copy.empty() ? static_cast<const Storage*>(dy.data) : dy_copy.data();

    const std::vector<Moments> moments = batch_moments(xs, g, nullptr);
    const auto eps = static_cast<float>(params.eps);
    std::vector<float> invstd(g.channels);
    for (std::size_t c = 0; c < g.channels; ++c) {
      invstd[c] = batch_invstd(normalising_variance(moments[c], g.per_channel()), eps);
    }
    // sum(dy) and sum(dy * (x - mean)), x - mean taken as (x - centre) - correction.
    const auto sums = reduce<2>(g, [&](std::size_t c, std::size_t i) {
      const float d = Io::load(dys[i]);
      const float deviation = (Io::load(xs[i]) - moments[c].centre) - moments[c].correction;
      return Values<2>{d, d * deviation};
    });
    const auto count = static_cast<float>(g.per_channel());
    std::vector<GradientCoefficients> coefficients(g.channels);
    for (std::size_t c = 0; c < g.channels; ++c) {
      coefficients[c] = {gamma_of(params, weight, c) * invstd[c], sums[c][0] / count,
                         invstd[c] * invstd[c] * sums[c][1] / count};
    }
    auto* out = static_cast<Storage*>(dx);
    for_each_element(g, [&](std::size_t c, std::size_t i) {
      const float deviation = (Io::load(xs[i]) - moments[c].centre) - moments[c].correction;
      out[i] = store_output(input_gradient(coefficients[c], Io::load(dys[i]), deviation));
    });
    write_weight_gradients(params, g, invstd, sums, dweight, dbias);
  }

  static void backward_eval(const bnconf_params& params, const bnconf_tensor& x,
                            const bnconf_tensor& dy, const bnconf_vector& weight,
                            const bnconf_running* running, void* dx, bnconf_vector_out dweight,
                            bnconf_vector_out dbias) {
    // Without running statistics the forward used the batch's, so the gradient flows through
    // them as in training.
    if (!params.track_running_stats) {
      return backward_train(params, x, dy, weight, dx, dweight, dbias);
    }
    if constexpr (kBug == Bug::batch_stats_in_eval_backward) {
      // BUG: the gradient kernel ignores `training` and always differentiates through the batch
      // statistics, so frozen-statistics gradients are wrong (NNlib.jl#548, the CUDA path).
      return backward_train(params, x, dy, weight, dx, dweight, dbias);
    }
    const Geometry g = backward_geometry(x);
    const auto* xs = static_cast<const Storage*>(x.data);
    const std::vector<Storage> dy_copy = dy_in_layout_of_x(dy, x);
    const Storage* dys = dy_copy.empty() ? static_cast<const Storage*>(dy.data) : dy_copy.data();

    const auto eps = static_cast<float>(params.eps);
    std::vector<float> centre(g.channels), invstd(g.channels), scale(g.channels);
    for (std::size_t c = 0; c < g.channels; ++c) {
      centre[c] = static_cast<float>(running->mean.data[c]);
      invstd[c] = running_invstd(static_cast<float>(running->var.data[c]), eps);
      scale[c] = gamma_of(params, weight, c) * invstd[c];
    }
    const auto sums = reduce<2>(g, [&](std::size_t c, std::size_t i) {
      const float d = Io::load(dys[i]);
      return Values<2>{d, d * (Io::load(xs[i]) - centre[c])};
    });
    auto* out = static_cast<Storage*>(dx);
    for_each_element(
        g, [&](std::size_t c, std::size_t i) { out[i] = store_output(Io::load(dys[i]) * scale[c]); });
    write_weight_gradients(params, g, invstd, sums, dweight, dbias);
  }

 private:
  // --- Reductions -------------------------------------------------------------------------

  // Every partial sum of every reduction is formed here.
  static float accumulate(float sum, float value) {
    if constexpr (kBug == Bug::half_accumulation) {
      // BUG: partial sums kept in the storage dtype (f16 / bf16 accumulators): sums lose
      // everything below the accumulator's 11 or 8 bits (pytorch#70901; tt-metal#45968; ONNX
      // opset 15 requires float reductions for fp16 inputs). Harmless for f32 inputs.
      return Io::narrow(sum + value);
    } else {
      return sum + value;
    }
  }

  template <std::size_t K>
  static void add_to(Values<K>& sum, const Values<K>& values) {
    for (std::size_t k = 0; k < K; ++k) sum[k] = accumulate(sum[k], values[k]);
  }

  // Sum of element(begin) .. element(begin + length - 1) in kLanes interleaved partial sums.
  template <std::size_t K, class Element>
  static Values<K> lane_sum(std::size_t begin, std::size_t length, Element& element) {
    std::array<Values<K>, kLanes> lanes{};
    std::size_t j = 0;
    for (; j + kLanes <= length; j += kLanes) {
      for (std::size_t lane = 0; lane < kLanes; ++lane)
        add_to(lanes[lane], element(begin + j + lane));
    }
    if constexpr (kBug == Bug::dropped_tail) {
      // BUG: the remainder loop after the vector loop is missing: the last length % 8 elements
      // of every run are never added (the partial-tile class of MIOpen#1109, MIOpen PR #3900).
    } else {
      for (; j < length; ++j) add_to(lanes[j % kLanes], element(begin + j));
    }
    for (std::size_t width = kLanes / 2; width > 0; width /= 2) {
      for (std::size_t lane = 0; lane < width; ++lane) add_to(lanes[lane], lanes[lane + width]);
    }
    return lanes[0];
  }

  // Blocked pairwise sum: blocks of kBlock elements are summed sequentially, and the block sums
  // combined pairwise as they complete (a binary counter of equal-size partial sums).
  template <std::size_t K>
  class BlockedSum {
   public:
    void add(const Values<K>& values) {
      add_to(block_, values);
      if (++filled_ == kBlock) close_block();
    }

    // element(i) for i in [0, length): a contiguous run.
    template <class Element>
    void add_run(std::size_t length, Element&& element) {
      std::size_t i = 0;
      while (i < length) {
        const std::size_t take = std::min(length - i, kBlock - filled_);
        add_to(block_, lane_sum<K>(i, take, element));
        filled_ += take;
        i += take;
        if (filled_ == kBlock) close_block();
      }
    }

    Values<K> total() const {
      Values<K> sum = block_;
      for (std::size_t level = depth_; level-- > 0;) {
        Values<K> combined = stack_[level].sum;
        add_to(combined, sum);
        sum = combined;
      }
      return sum;
    }

   private:
    struct Level {
      Values<K> sum{};
      std::size_t blocks = 0;
    };

    void close_block() {
      stack_[depth_++] = {block_, 1};
      block_ = {};
      filled_ = 0;
      while (depth_ >= 2 && stack_[depth_ - 1].blocks == stack_[depth_ - 2].blocks) {
        add_to(stack_[depth_ - 2].sum, stack_[depth_ - 1].sum);
        stack_[depth_ - 2].blocks *= 2;
        --depth_;
      }
    }

    Values<K> block_{};
    std::size_t filled_ = 0;
    std::array<Level, 48> stack_{};  // 2^47 blocks before it could overflow
    std::size_t depth_ = 0;
  };

  // Per-channel sums of element(c, storage offset), reading memory in storage order:
  // channel-major runs for channels-first, rows of C with one accumulator per channel for
  // channels-last.
  template <std::size_t K, class Element>
  static std::vector<Values<K>> reduce(const Geometry& g, Element&& element) {
    std::vector<Values<K>> totals(g.channels);
    if (!g.channels_last) {
      for (std::size_t c = 0; c < g.channels; ++c) {
        BlockedSum<K> sum;
        for (std::size_t n = 0; n < g.batch; ++n) {
          const std::size_t offset = (n * g.channels + c) * g.spatial;
          sum.add_run(g.spatial, [&](std::size_t i) { return element(c, offset + i); });
        }
        totals[c] = sum.total();
      }
    } else {
      std::vector<BlockedSum<K>> sums(g.channels);
      const std::size_t positions = g.batch * g.spatial;
      for (std::size_t p = 0; p < positions; ++p) {
        const std::size_t row = p * g.channels;
        for (std::size_t c = 0; c < g.channels; ++c) sums[c].add(element(c, row + c));
      }
      for (std::size_t c = 0; c < g.channels; ++c) totals[c] = sums[c].total();
    }
    return totals;
  }

  // f(c, storage offset) for every element, in storage order.
  template <class Function>
  static void for_each_element(const Geometry& g, Function&& f) {
    if (!g.channels_last) {
      for (std::size_t n = 0; n < g.batch; ++n) {
        for (std::size_t c = 0; c < g.channels; ++c) {
          const std::size_t offset = (n * g.channels + c) * g.spatial;
          for (std::size_t i = 0; i < g.spatial; ++i) f(c, offset + i);
        }
      }
    } else {
      const std::size_t positions = g.batch * g.spatial;
      for (std::size_t p = 0; p < positions; ++p) {
        for (std::size_t c = 0; c < g.channels; ++c) f(c, p * g.channels + c);
      }
    }
  }

  // --- Statistics -------------------------------------------------------------------------

  // An element as the statistics see it.
  static float stat_load(Storage stored) {
    float value = Io::load(stored);
    if constexpr (kBug == Bug::nan_not_propagated) {
      // BUG: a "robustness" guard zeroes NaN before the reductions (nan_to_num, or fmax-style
      // min/max that drop NaN): the channel's statistics stay finite and the NaN no longer
      // poisons its outputs as IEEE arithmetic (and PyTorch) would.
      if (std::isnan(value)) value = 0.0f;
    }
    return value;
  }

  // Corrected two-pass moments per channel (NaN for an empty batch: 0/0, as the reference).
  // centred_in_place, when given, receives x - centre (the modifies_input mutant only).
  static std::vector<Moments> batch_moments(const Storage* xs, const Geometry& g,
                                            Storage* centred_in_place) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<Moments> moments(g.channels, Moments{nan, nan, nan});
    if (g.per_channel() == 0) return moments;
    const auto count = static_cast<float>(g.per_channel());

    if constexpr (kBug == Bug::one_pass_variance) {
      // BUG: one pass of sum(x) and sum(x^2), var = E[x^2] - E[x]^2 in float: catastrophic
      // cancellation once |mean| / std exceeds ~1e3, negative variances -> NaN
      // (tensorflow#118701, google/flax#1491, pytorch#5410, BVLC/caffe#3963).
      const auto sums = reduce<2>(g, [&](std::size_t, std::size_t i) {
        const float v = stat_load(xs[i]);
        return Values<2>{v, v * v};
      });
      for (std::size_t c = 0; c < g.channels; ++c) {
        const float mean = sums[c][0] / count;
        const float var = sums[c][1] / count - mean * mean;
        moments[c] = {mean, 0.0f, var * count};
      }
      return moments;
    }

    const auto sums =
        reduce<1>(g, [&](std::size_t, std::size_t i) { return Values<1>{stat_load(xs[i])}; });
    std::vector<float> centre(g.channels);
    for (std::size_t c = 0; c < g.channels; ++c) centre[c] = sums[c][0] / count;

    const auto deviations = reduce<2>(g, [&](std::size_t c, std::size_t i) {
      const float d = stat_load(xs[i]) - centre[c];
      if (centred_in_place) centred_in_place[i] = Io::store(d);
      return Values<2>{d, d * d};
    });
    for (std::size_t c = 0; c < g.channels; ++c) {
      // An infinite centre (an infinity in the channel) is the mean, as sum / M is in PyTorch;
      // the deviations are inf - inf there, and must not turn the mean into NaN too.
      const float correction = std::isfinite(centre[c]) ? deviations[c][0] / count : 0.0f;
      float m2 = deviations[c][1] - deviations[c][0] * correction;
      // Exactly >= 0 (Cauchy-Schwarz); rounding must not make it negative. NaN stays NaN.
      if (m2 < 0.0f) m2 = 0.0f;
      moments[c] = {centre[c], correction, m2};
    }
    return moments;
  }

  // The variance that normalises: biased, in every framework.
  static float normalising_variance(const Moments& moments, std::size_t count) {
    if constexpr (kBug == Bug::unbiased_normalise) {
      // BUG: normalises with the unbiased sum / (M - 1), the running-variance estimator, instead
      // of the biased batch variance every framework uses (the biased/unbiased confusion of
      // apache/mxnet#14357, keras#8982, tensorflow#55545).
      return moments.m2 / (static_cast<float>(count) - 1.0f);
    } else {
      return moments.m2 / static_cast<float>(count);
    }
  }

  // 1 / sqrt(var + eps) with PyTorch's InvStd zero rule (0 when var + eps == 0), for batch
  // statistics.
  static float batch_invstd(float var, float eps) {
    const float shifted = var + eps;
    if (shifted == 0.0f) return 0.0f;
    if constexpr (kBug == Bug::eps_outside_sqrt) {
      // BUG: eps added to the standard deviation instead of the variance: 1/(sqrt(var) + eps)
      // (a recurring slip; the eps threads pytorch#1623, tensorflow#8090).
      return 1.0f / (std::sqrt(var) + eps);
    } else {
      return 1.0f / std::sqrt(shifted);
    }
  }

  // 1 / sqrt(running_var + eps) for frozen statistics: no zero rule (inf or NaN, as PyTorch).
  static float running_invstd(float var, float eps) {
    if constexpr (kBug == Bug::eps_outside_sqrt) {
      return 1.0f / (std::sqrt(var) + eps);  // BUG: as in batch_invstd
    } else if constexpr (kBug == Bug::eval_ignores_eps) {
      // BUG: the inference kernel normalises with 1/sqrt(running_var), eps forgotten (eps
      // handling differs between paths: tensorflow#37768, onnxruntime PR #2680).
      return 1.0f / std::sqrt(var);
    } else {
      return 1.0f / std::sqrt(var + eps);
    }
  }

  static float saved_invstd_of(float var, float eps, float invstd) {
    if constexpr (kBug == Bug::invvar_saved) {
      // BUG: cuDNN's resultSaveInvVariance taken at its name, 1/(var + eps), whereas it (and
      // PyTorch's saved invstd) holds 1/sqrt(var + eps) (onnxruntime PR #8172).
      static_cast<void>(invstd);
      return 1.0f / (var + eps);
    } else {
      static_cast<void>(var);
      static_cast<void>(eps);
      return invstd;
    }
  }

  // --- Running statistics -----------------------------------------------------------------

  struct Mixing {
    float old_weight;
    float batch_weight;
  };

  static Mixing mixing(const bnconf_params& params, std::int64_t batches_tracked) {
    if (params.momentum_none) {
      if constexpr (kBug == Bug::momentum_none_ignored) {
        // BUG: momentum None falls back to the default 0.1 instead of the cumulative average
        // m = 1 / num_batches_tracked (PyTorch momentum=None, cuDNN's 1/(1+n) recipe).
        static_cast<void>(batches_tracked);
        return {0.9f, 0.1f};
      } else {
        // Cumulative moving average (convention-free): 1 - m and m, formed in double from the
        // counter and rounded once.
        const double m = 1.0 / static_cast<double>(batches_tracked);
        return {static_cast<float>(1.0 - m), static_cast<float>(m)};
      }
    }
    const double m = params.momentum;
    bool weights_batch = params.momentum_convention == BNCONF_WEIGHTS_BATCH;
    if constexpr (kBug == Bug::flipped_momentum) {
      // BUG: the momentum applied with the other framework's convention (ONNX/Keras m * old
      // versus PyTorch/cuDNN m * batch; PyTorch's exporter has to write 1 - m).
      weights_batch = !weights_batch;
    }
    // 1 - m in double: Keras' m = 0.99 leaves 0.010000000000000009, not (1 - 0.99f).
    return weights_batch ? Mixing{static_cast<float>(1.0 - m), static_cast<float>(m)}
                         : Mixing{static_cast<float>(m), static_cast<float>(1.0 - m)};
  }

  static float running_var_divisor(std::int32_t estimator, std::size_t count) {
    const auto m = static_cast<float>(count);
    if constexpr (kBug == Bug::biased_running_var) {
      // BUG: the running variance gets the population variance whatever the estimator: Bessel's
      // correction missing (tt-metal#55438, apache/mxnet#21111, ml-explore/mlx PR #3817).
      static_cast<void>(estimator);
      return m;
    } else {
      switch (estimator) {
        case BNCONF_VAR_UNBIASED:
          return m - 1.0f;
        case BNCONF_VAR_UNBIASED_CLAMPED:
          if constexpr (kBug == Bug::unclamped_estimator) {
            // BUG: TF's CPU clamp max(M - 1, 1) lost, as on its GPU path: M = 1 divides 0 by 0
            // and the moving variance becomes NaN (tensorflow#34062).
            return m - 1.0f;
          } else {
            return std::max(m - 1.0f, 1.0f);
          }
        default:
          return m;
      }
    }
  }

  static void update_running(const bnconf_params& params, const bnconf_running& in,
                             const std::vector<Moments>& moments, std::size_t count,
                             bnconf_running_out& out) {
    // num_batches_tracked counts every training step, the empty batch included (torch.nn).
    std::int64_t batches_tracked = in.num_batches_tracked + 1;
    if constexpr (kBug == Bug::counter_not_incremented) {
      // BUG: the counter is read but never incremented: momentum None then divides by the old
      // count (1/0 on the first step), and the reported num_batches_tracked stalls.
      batches_tracked = in.num_batches_tracked;
    }
    out.num_batches_tracked = batches_tracked;

    const std::size_t channels = moments.size();
    std::vector<double> mean(in.mean.data, in.mean.data + channels);
    std::vector<double> var(in.var.data, in.var.data + channels);
    double* mean_target = mean.data();
    double* var_target = var.data();
    if constexpr (kBug == Bug::running_stats_in_place) {
      // BUG: updates the running buffers in place, as torch.nn does with its own buffers, but
      // through the const input pointers the caller still owns (tt-metal PR #45578: in-place
      // running-stat updates clobbering aliased tensors).
      mean_target = const_cast<double*>(in.mean.data);
      var_target = const_cast<double*>(in.var.data);
    }
    // An empty batch leaves the statistics as they were (PyTorch returns before updating).
    if (count > 0) {
      const Mixing w = mixing(params, batches_tracked);
      const float divisor = running_var_divisor(params.var_estimator, count);
      for (std::size_t c = 0; c < channels; ++c) {
        const float old_mean = static_cast<float>(in.mean.data[c]);
        const float old_var = static_cast<float>(in.var.data[c]);
        mean_target[c] = w.old_weight * old_mean + w.batch_weight * moments[c].mean();
        var_target[c] = w.old_weight * old_var + w.batch_weight * (moments[c].m2 / divisor);
      }
    }
    if (mean_target != mean.data()) {
      std::copy(mean_target, mean_target + channels, mean.begin());
      std::copy(var_target, var_target + channels, var.begin());
    }
    write_vector(mean, out.mean, "running_mean");
    write_vector(var, out.var, "running_var");
  }

  // --- Elementwise passes -----------------------------------------------------------------

  static float normalised(const Transform& t, float x) {
    return ((x - t.centre) - t.correction) * t.scale + t.shift;
  }

  static void normalise(const Storage* xs, Storage* ys, const Geometry& g,
                        const std::vector<Transform>& transforms) {
    if (!g.channels_last) {
      for (std::size_t n = 0; n < g.batch; ++n) {
        for (std::size_t c = 0; c < g.channels; ++c) {
          const Transform& t = transforms[c];
          const std::size_t offset = (n * g.channels + c) * g.spatial;
          // BUG (write_past_output): `<=` for `<`. Each run writes the first element of the
          // next run, which that run overwrites, so every value is right; only the last run
          // stores one element past the end of y (and reads one past x).
          const std::size_t end = kBug == Bug::write_past_output ? g.spatial + 1 : g.spatial;
          for (std::size_t i = 0; i < end; ++i) {
            ys[offset + i] = store_output(normalised(t, Io::load(xs[offset + i])));
          }
        }
      }
    } else {
      const std::size_t positions = g.batch * g.spatial;
      for (std::size_t p = 0; p < positions; ++p) {
        const std::size_t row = p * g.channels;
        for (std::size_t c = 0; c < g.channels; ++c) {
          ys[row + c] = store_output(normalised(transforms[c], Io::load(xs[row + c])));
        }
      }
    }
  }

  static float input_gradient(const GradientCoefficients& co, float dy, float deviation) {
    if constexpr (kBug == Bug::dropped_mean_dy) {
      // BUG: the mean(dy) term of dx is dropped: dx = gamma * invstd * (dy - xhat *
      // mean(dy * xhat)); sum(dx) is no longer 0.
      return co.a * (dy - deviation * co.k);
    } else if constexpr (kBug == Bug::dropped_xhat_term) {
      // BUG: the xhat * mean(dy * xhat) term is dropped: the gradient through the variance is
      // missing (dx as if only the mean depended on x).
      return co.a * (dy - co.b);
    } else {
      return co.a * ((dy - co.b) - deviation * co.k);
    }
  }

  static void write_weight_gradients(const bnconf_params& params, const Geometry& g,
                                     const std::vector<float>& invstd,
                                     const std::vector<Values<2>>& sums, bnconf_vector_out dweight,
                                     bnconf_vector_out dbias) {
    if (!params.affine) return;
    std::vector<double> dw(g.channels, 0.0), db(g.channels, 0.0);
    // An empty batch: sums over no elements are 0 (the statistics are NaN and must not leak).
    if (g.per_channel() > 0) {
      for (std::size_t c = 0; c < g.channels; ++c) {
        dw[c] = invstd[c] * sums[c][1];
        db[c] = sums[c][0];
      }
    }
    write_vector(dw, dweight, "dweight");
    write_vector(db, dbias, "dbias");
  }

  // --- Layouts ----------------------------------------------------------------------------

  static Geometry backward_geometry(const bnconf_tensor& x) {
    Geometry g = geometry_of(x);
    if constexpr (kBug == Bug::channels_last_as_first) {
      // BUG: the gradient kernels take the NCHW indexing path whatever the layout, so NHWC
      // buffers are reduced and written per wrong channel (PaddlePaddle PR #54703, NHWC
      // gradient through the NCHW path; pytorch#107199).
      g.channels_last = false;
    }
    return g;
  }

  // dy copied into x's layout when the caller gave it in the other one; empty when dy can be
  // read as it is.
  static std::vector<Storage> dy_in_layout_of_x(const bnconf_tensor& dy, const bnconf_tensor& x) {
    const Geometry from = geometry_of(dy);
    if (from.channels_last == geometry_of(x).channels_last) return {};
    const auto* in = static_cast<const Storage*>(dy.data);
    std::vector<Storage> out(from.size());
    for (std::size_t n = 0; n < from.batch; ++n) {
      for (std::size_t c = 0; c < from.channels; ++c) {
        for (std::size_t s = 0; s < from.spatial; ++s) {
          const std::size_t first = (n * from.channels + c) * from.spatial + s;
          const std::size_t last = (n * from.spatial + s) * from.channels + c;
          if (from.channels_last) {
            out[first] = in[last];
          } else {
            out[last] = in[first];
          }
        }
      }
    }
    return out;
  }
};

using adapter::check_output;
using adapter::Entry;

template <Bug kBug>
class CpuF32Backend final : public adapter::Backend {
 public:
  const char* name() const override { return backend_name(kBug); }
  const char* version() const override { return BNCONF_VERSION; }

  bnconf_capabilities capabilities() const override {
    // Everything but f64: this backend computes in float. Strided inputs are copied to dense
    // memory first (dense_input).
    bnconf_capabilities c = adapter::full_capabilities((1u << BNCONF_F32) | (1u << BNCONF_F16) |
                                                       (1u << BNCONF_BF16));
    c.features |= BNCONF_FEATURE_STRIDED;
    return c;
  }

  void forward_train(const bnconf_params& params, const bnconf_tensor& x,
                     const bnconf_vector& weight, const bnconf_vector& bias,
                     const bnconf_running* running_in, bnconf_tensor_out y,
                     bnconf_vector_out batch_mean, bnconf_vector_out batch_var,
                     bnconf_vector_out saved_invstd, bnconf_running_out* running_out) override {
    dispatch(x, [&]<class Io>(Io) {
      adapter::validate_call(params, x, nullptr, weight, bias, running_in, Entry::forward_train);
      check_output(x, y.data, "y");
      std::vector<unsigned char> x_storage;
      Kernels<kBug, Io>::forward_train(params, dense_input(x, x_storage), weight, bias, running_in,
                                       y.data, batch_mean, batch_var, saved_invstd, running_out);
    });
  }

  void forward_eval(const bnconf_params& params, const bnconf_tensor& x,
                    const bnconf_vector& weight, const bnconf_vector& bias,
                    const bnconf_running* running, bnconf_tensor_out y) override {
    dispatch(x, [&]<class Io>(Io) {
      adapter::validate_call(params, x, nullptr, weight, bias, running, Entry::forward_eval);
      check_output(x, y.data, "y");
      std::vector<unsigned char> x_storage;
      Kernels<kBug, Io>::forward_eval(params, dense_input(x, x_storage), weight, bias, running,
                                      y.data);
    });
  }

  void backward_train(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor& dy,
                      const bnconf_vector& weight, bnconf_tensor_out dx, bnconf_vector_out dweight,
                      bnconf_vector_out dbias) override {
    dispatch(x, [&]<class Io>(Io) {
      // The backward entry points take no bias; validate compares lengths only, so the weight
      // stands in for it.
      adapter::validate_call(params, x, &dy, weight, bnconf_vector{nullptr, 0}, nullptr,
                             Entry::backward_train);
      check_output(x, dx.data, "dx");
      std::vector<unsigned char> x_storage, dy_storage;
      Kernels<kBug, Io>::backward_train(params, dense_input(x, x_storage),
                                        dense_input(dy, dy_storage), weight, dx.data, dweight,
                                        dbias);
    });
  }

  void backward_eval(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor& dy,
                     const bnconf_vector& weight, const bnconf_running* running,
                     bnconf_tensor_out dx, bnconf_vector_out dweight,
                     bnconf_vector_out dbias) override {
    dispatch(x, [&]<class Io>(Io) {
      adapter::validate_call(params, x, &dy, weight, bnconf_vector{nullptr, 0}, running,
                             Entry::backward_eval);
      check_output(x, dx.data, "dx");
      std::vector<unsigned char> x_storage, dy_storage;
      Kernels<kBug, Io>::backward_eval(params, dense_input(x, x_storage),
                                       dense_input(dy, dy_storage), weight, running, dx.data,
                                       dweight, dbias);
    });
  }

 private:
  // A strided view (BNCONF_STRIDED) copied into dense channels-first memory, in which the
  // kernels work (outputs of such a call are dense channels-first too); other tensors as given.
  static bnconf_tensor dense_input(const bnconf_tensor& t, std::vector<unsigned char>& storage) {
    if constexpr (kBug == Bug::strided_as_dense) {
      // BUG: reads a strided view as if it were a dense channels-first buffer starting at
      // data, ignoring the strides and the storage offset (the sliced / offset input class of
      // pytorch#174345 and the MPS slicing bugs).
      bnconf_tensor dense = t;
      if (t.layout == BNCONF_STRIDED) dense.layout = BNCONF_CHANNELS_FIRST;
      return dense;
    }
    return adapter::dense_copy(t, storage);
  }

  // Runs body(Io{}) for x's dtype; f64 is not this backend's (it computes in float).
  template <class Body>
  static void dispatch(const bnconf_tensor& x, Body&& body) {
    switch (x.dtype) {
      case BNCONF_F32:
        return body(F32{});
      case BNCONF_F16:
        return body(F16{});
      case BNCONF_BF16:
        return body(BF16{});
      case BNCONF_F64:
        throw adapter::Unsupported("cpu-f32 computes in float: f64 is not supported");
      default:
        throw adapter::InvalidArgument("unknown dtype " + std::to_string(x.dtype));
    }
  }
};

}  // namespace bnconf::backends::cpu_f32
