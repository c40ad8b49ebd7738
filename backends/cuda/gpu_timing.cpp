// bnconf_cuda_timing: times cuDNN's batch-norm forward training, inference and backward on
// (32, 64, 56, 56) f32, NCHW and NHWC, with CUDA events, and prints milliseconds per call and the
// effective bandwidth of the minimum traffic (each activation read or written once). Without a
// device it says so and exits 0, so that scripts and CI can run it anywhere.
#include <cstdio>
#include <exception>
#include <vector>

#include "cudnn_support.hpp"

namespace {

using bnconf::backends::cuda::Blend;
using bnconf::backends::cuda::check;
using bnconf::backends::cuda::DeviceBuffer;
using bnconf::backends::cuda::handle;
using bnconf::backends::cuda::TensorDescriptor;

constexpr int kN = 32, kC = 64, kH = 56, kW = 56;
constexpr int kWarmup = 5, kIterations = 50;
constexpr double kEps = 1e-5;
constexpr cudnnBatchNormMode_t kMode = CUDNN_BATCHNORM_SPATIAL;

class Events {
 public:
  Events() {
    check(cudaEventCreate(&start_), "cudaEventCreate");
    check(cudaEventCreate(&stop_), "cudaEventCreate");
  }
  ~Events() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  // Milliseconds per call of body, averaged over kIterations after kWarmup untimed calls.
  template <class Body>
  double time(Body&& body) {
    for (int i = 0; i < kWarmup; ++i) body();
    check(cudaEventRecord(start_), "cudaEventRecord");
    for (int i = 0; i < kIterations; ++i) body();
    check(cudaEventRecord(stop_), "cudaEventRecord");
    check(cudaEventSynchronize(stop_), "cudaEventSynchronize");
    float ms = 0.0f;
    check(cudaEventElapsedTime(&ms, start_, stop_), "cudaEventElapsedTime");
    return ms / kIterations;
  }

 private:
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

void report(const char* layout, const char* op, double ms, int tensors_moved) {
  const double bytes = static_cast<double>(tensors_moved) * kN * kC * kH * kW * sizeof(float);
  std::printf("%-4s %-15s %8.4f ms %8.1f GB/s\n", layout, op, ms, bytes / (ms * 1e-3) / 1e9);
}

void time_layout(cudnnTensorFormat_t format, const char* layout) {
  const std::size_t count = static_cast<std::size_t>(kN) * kC * kH * kW;
  TensorDescriptor x_desc, p_desc;
  check(cudnnSetTensor4dDescriptor(x_desc.get(), format, CUDNN_DATA_FLOAT, kN, kC, kH, kW),
        "cudnnSetTensor4dDescriptor");
  check(cudnnDeriveBNTensorDescriptor(p_desc.get(), x_desc.get(), kMode),
        "cudnnDeriveBNTensorDescriptor");
  DeviceBuffer x(count * sizeof(float)), y(count * sizeof(float)), dy(count * sizeof(float)),
      dx(count * sizeof(float));
  // Deterministic, non-constant data (the timing does not depend on values, only on NaN-freedom).
  std::vector<float> host(count);
  for (std::size_t i = 0; i < count; ++i) host[i] = static_cast<float>(i % 251) / 251.0f - 0.5f;
  x.upload(host.data());
  dy.upload(host.data());
  const std::vector<float> ones(kC, 1.0f), zeros(kC, 0.0f);
  DeviceBuffer scale(kC * sizeof(float)), bias(kC * sizeof(float)), mean(kC * sizeof(float)),
      var(kC * sizeof(float)), saved_mean(kC * sizeof(float)), saved_inv(kC * sizeof(float)),
      dscale(kC * sizeof(float)), dbias(kC * sizeof(float));
  scale.upload(ones.data());
  bias.upload(zeros.data());
  mean.upload(zeros.data());
  var.upload(ones.data());
  const Blend blend(false);
  Events events;

  const double train = events.time([&] {
    check(cudnnBatchNormalizationForwardTraining(
              handle(), kMode, blend.one(), blend.zero(), x_desc.get(), x.get(), x_desc.get(),
              y.get(), p_desc.get(), scale.get(), bias.get(), 0.1, mean.get(), var.get(), kEps,
              saved_mean.get(), saved_inv.get()),
          "cudnnBatchNormalizationForwardTraining");
  });
  report(layout, "forward_train", train, 2);
  const double inference = events.time([&] {
    check(cudnnBatchNormalizationForwardInference(
              handle(), kMode, blend.one(), blend.zero(), x_desc.get(), x.get(), x_desc.get(),
              y.get(), p_desc.get(), scale.get(), bias.get(), mean.get(), var.get(), kEps),
          "cudnnBatchNormalizationForwardInference");
  });
  report(layout, "forward_eval", inference, 2);
  const double backward = events.time([&] {
    check(cudnnBatchNormalizationBackward(
              handle(), kMode, blend.one(), blend.zero(), blend.one(), blend.zero(), x_desc.get(),
              x.get(), x_desc.get(), dy.get(), x_desc.get(), dx.get(), p_desc.get(), scale.get(),
              dscale.get(), dbias.get(), kEps, saved_mean.get(), saved_inv.get()),
          "cudnnBatchNormalizationBackward");
  });
  report(layout, "backward_train", backward, 3);
}

}  // namespace

int main() {
  int devices = 0;
  const cudaError_t status = cudaGetDeviceCount(&devices);
  if (status != cudaSuccess || devices == 0) {
    std::printf("no CUDA device: cudaGetDeviceCount returned %s\n",
                status != cudaSuccess ? cudaGetErrorName(status) : "0 devices");
    return 0;
  }
  try {
    cudaDeviceProp properties{};
    check(cudaGetDeviceProperties(&properties, 0), "cudaGetDeviceProperties");
    std::printf("%s, cuDNN %zu, batch norm on (%d, %d, %d, %d) f32, %d calls each\n",
                properties.name, cudnnGetVersion(), kN, kC, kH, kW, kIterations);
    time_layout(CUDNN_TENSOR_NCHW, "NCHW");
    time_layout(CUDNN_TENSOR_NHWC, "NHWC");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bnconf_cuda_timing: %s\n", e.what());
    return 1;
  }
  return 0;
}
