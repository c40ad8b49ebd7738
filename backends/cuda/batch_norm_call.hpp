// One activation on the device and the cuDNN batch-normalization calls on it (the legacy
// cudnnBatchNormalization* API, mode CUDNN_BATCHNORM_SPATIAL: one scale, bias, mean and variance
// per channel). Host data in and out; the ABI's semantics live in cuda_backend.cpp.
#pragma once

#include <cstddef>
#include <vector>

#include "bnconf/adapter.h"
#include "cudnn_support.hpp"

namespace bnconf::backends::cuda {

// x's shape and layout as a cuDNN descriptor: rank 2 (N, C) as N,C,1,1; rank 3 (N, C, L) as
// N,C,L,1; rank 4 as is; rank 5 as a 5-d descriptor. Channels-last is CUDNN_TENSOR_NHWC (NDHWC for
// rank 5), which is the ABI's storage order N, spatial..., C. Throws adapter::Unsupported for
// bf16, zero extents and extents beyond int.
void describe_activation(const bnconf_tensor& x, const TensorDescriptor& out);

class BatchNormCall {
 public:
  // Describes and uploads x.
  explicit BatchNormCall(const bnconf_tensor& x);

  std::size_t channels() const { return channels_; }
  // Elements per channel (M = N * spatial).
  std::size_t per_channel() const { return per_channel_; }
  bool double_parameters() const { return double_parameters_; }

  struct Saved {
    std::vector<double> mean;    // cuDNN's resultSaveMean
    std::vector<double> invstd;  // cuDNN's resultSaveInvVariance: 1 / sqrt(biased var + eps)
  };
  // cudnnBatchNormalizationForwardTraining. running_mean / running_var (both or neither) are
  // updated in place with exponentialAverageFactor `factor`; y (x's dtype and layout) is written
  // to the host buffer y.
  Saved forward_training(const std::vector<double>& scale, const std::vector<double>& bias,
                         double eps, double factor, std::vector<double>* running_mean,
                         std::vector<double>* running_var, void* y);

  // The unbiased batch variance sum((x - mean)^2) / (M - 1), as cuDNN computes it: the running
  // variance of a training call with factor 1 from a zero state (cuDNN exposes the batch variance
  // no other way).
  std::vector<double> unbiased_batch_variance(double eps);

  // cudnnBatchNormalizationForwardInference with the given statistics.
  void forward_inference(const std::vector<double>& scale, const std::vector<double>& bias,
                         const std::vector<double>& mean, const std::vector<double>& var,
                         double eps, void* y);

  struct Gradients {
    std::vector<double> dscale;
    std::vector<double> dbias;
  };
  // cudnnBatchNormalizationBackward through the batch statistics (recomputed by cuDNN: no saved
  // statistics passed). dy may have either layout; dx is written in x's.
  Gradients backward(const bnconf_tensor& dy, const std::vector<double>& scale, double eps,
                     void* dx);

 private:
  TensorDescriptor x_descriptor_;
  TensorDescriptor parameter_descriptor_;
  std::size_t bytes_ = 0;
  std::size_t channels_ = 0;
  std::size_t per_channel_ = 0;
  bool double_parameters_ = false;
  DeviceBuffer x_;
};

}  // namespace bnconf::backends::cuda
