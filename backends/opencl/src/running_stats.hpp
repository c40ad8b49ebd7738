// The running-statistics update of forward_train, on the host in double from the device's
// batch mean and biased variance (docs/semantics.md):
//   new = w_old * old + w_batch * batch, with (w_old, w_batch) = (1 - m, m) (weights_batch,
//   PyTorch), (m, 1 - m) (weights_running, ONNX/Keras), or (1 - 1/n, 1/n) for momentum none,
//   n = num_batches_tracked after the increment;
//   batch variance var * M / (M - 1) (unbiased), var * M / max(M - 1, 1) (unbiased_clamped) or
//   var (population).
// The counter is incremented on every call; an empty batch (M = 0) leaves mean and variance
// unchanged (PyTorch returns before updating).
#pragma once

#include <cstddef>
#include <vector>

#include "bnconf/adapter.h"

namespace bnconf::opencl {

void update_running(const bnconf_params& params, const bnconf_running& in,
                    const std::vector<double>& batch_mean, const std::vector<double>& batch_var,
                    std::size_t count, bnconf_running_out& out);

// Copies values into out, which must have exactly their length (a null, empty out is skipped).
void write_vector(const std::vector<double>& values, bnconf_vector_out out, const char* name);

}  // namespace bnconf::opencl
