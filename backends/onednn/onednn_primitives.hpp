// oneDNN's batch-normalization primitive, run once on caller-owned buffers: the only file of the
// oneDNN adapter that speaks oneDNN. Activations are passed to oneDNN in place (its nc/ncw/nchw/
// ncdhw and nwc/nhwc/ndhwc formats are the ABI's storage orders, and its bf16 is the ABI's bf16
// bits); per-channel vectors are f32, oneDNN's only type for them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bnconf/adapter.h"

namespace bnconf::backends::onednn {

// One batch-normalization call's shape and configuration.
struct Problem {
  std::vector<std::int64_t> shape;  // logical (N, C, spatial...)
  bnconf_layout layout = BNCONF_CHANNELS_FIRST;
  bnconf_dtype dtype = BNCONF_F32;
  float eps = 0;
  bool affine = true;
};

// Per-channel values in f32.
using Channels = std::vector<float>;

struct ForwardTrainResult {
  Channels mean;      // batch mean
  Channels variance;  // biased batch variance
};

// Training forward: y from batch statistics, which it returns.
ForwardTrainResult forward_training(const Problem& p, const void* x, void* y, const Channels& scale,
                                    const Channels& shift);

// Inference forward. With mean and variance (use_global_stats): y = (x - mean) * scale /
// sqrt(variance + eps) + shift. Without: oneDNN normalises with the batch's own statistics.
void forward_inference(const Problem& p, const void* x, void* y, const Channels& scale,
                       const Channels& shift, const Channels* mean, const Channels* variance);

struct BackwardResult {
  Channels diff_scale;  // sum(dy * xhat), empty without affine
  Channels diff_shift;  // sum(dy), empty without affine
};

// Backward. global_stats: the statistics were given (frozen); otherwise they are the batch's and
// the gradient flows through them.
BackwardResult backward(const Problem& p, const void* x, const void* dy, void* dx,
                        const Channels& scale, const Channels& mean, const Channels& variance,
                        bool global_stats);

// Can oneDNN's CPU engine on this machine run batch normalization in `dtype`?
bool dtype_available(bnconf_dtype dtype);

// "2.6.3 (cpu runtime OpenMP, ISA avx512_core_bf16)".
std::string version_text();

}  // namespace bnconf::backends::onednn
