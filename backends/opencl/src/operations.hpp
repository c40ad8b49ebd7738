// The host side of each operation: upload to device buffers, enqueue the kernels of
// kernels/batch_norm.cl, read back. Per-channel vectors go to the device in the working
// precision (double for f64, float otherwise: narrowing is exact, the ABI guarantees the values
// are representable) and come back as double. Empty tensors never reach the device (OpenCL
// buffers cannot be empty): their results are set on the host.
#pragma once

#include <cstddef>
#include <vector>

#include "bnconf/adapter.h"
#include "device.hpp"

namespace bnconf::opencl {

// An activation as (N, C, S), S the product of the spatial extents.
struct Geometry {
  std::size_t batch = 0;
  std::size_t channels = 0;
  std::size_t spatial = 1;
  bool channels_last = false;  // only meaningful for rank > 2

  std::size_t per_channel() const { return batch * spatial; }
  std::size_t size() const { return batch * channels * spatial; }
};
Geometry geometry_of(const bnconf_tensor& x);

// Batch statistics per channel (NaN for an empty batch).
struct BatchStats {
  std::vector<double> mean;
  std::vector<double> var;  // biased
  std::vector<double> invstd;
};

// y normalised with the batch statistics of x, which it returns. gamma = 1 and beta = 0 when
// !params.affine.
BatchStats forward_batch(Device& device, const bnconf_params& params, const bnconf_tensor& x,
                         const bnconf_vector& weight, const bnconf_vector& bias, void* y);

// y normalised with frozen running statistics.
void forward_frozen(Device& device, const bnconf_params& params, const bnconf_tensor& x,
                    const bnconf_vector& weight, const bnconf_vector& bias,
                    const bnconf_running& running, void* y);

// dx, dweight and dbias through batch statistics (frozen == nullptr) or frozen running
// statistics. dweight and dbias are written when params.affine.
void backward(Device& device, const bnconf_params& params, const bnconf_tensor& x,
              const bnconf_tensor& dy, const bnconf_vector& weight, const bnconf_running* frozen,
              void* dx, bnconf_vector_out dweight, bnconf_vector_out dbias);

}  // namespace bnconf::opencl
