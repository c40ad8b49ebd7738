// Error checking and RAII owners for the CUDA runtime and cuDNN objects the adapter and the timing
// binary use. Nothing here touches the device until an object is constructed: the runner forks a
// child per case after loading the plug-in, and a CUDA context made before fork() is unusable in
// the child.
#pragma once

#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <cstddef>
#include <vector>

namespace bnconf::backends::cuda {

// Throw std::runtime_error naming the call and the error, or adapter::Unsupported for
// CUDNN_STATUS_NOT_SUPPORTED (a configuration this cuDNN cannot run is not a wrong answer).
void check(cudaError_t status, const char* call);
void check(cudnnStatus_t status, const char* call);

// The process's cuDNN handle, created on first use and deliberately never destroyed: tearing it
// down from a static destructor would race the CUDA runtime's own exit-time teardown.
cudnnHandle_t handle();

// A device allocation of `bytes` bytes (nullptr when 0).
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* get() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  void upload(const void* host);  // copies bytes() bytes from host
  void download(void* host) const;
  void zero();

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

class TensorDescriptor {
 public:
  TensorDescriptor();
  ~TensorDescriptor();
  TensorDescriptor(const TensorDescriptor&) = delete;
  TensorDescriptor& operator=(const TensorDescriptor&) = delete;
  cudnnTensorDescriptor_t get() const { return descriptor_; }

 private:
  cudnnTensorDescriptor_t descriptor_ = nullptr;
};

// Per-channel values on the device in cuDNN's parameter type: double for double activations,
// float otherwise (half activations take float scale, bias and statistics).
class ParameterVector {
 public:
  ParameterVector(const std::vector<double>& values, bool as_double);
  void* get() const { return buffer_.get(); }
  std::vector<double> read() const;

 private:
  std::size_t count_;
  bool as_double_;
  DeviceBuffer buffer_;
};

// cuDNN's alpha / beta blend factors: double for double data, float otherwise.
struct Blend {
  explicit Blend(bool as_double) : as_double_(as_double) {}
  const void* one() const { return as_double_ ? static_cast<const void*>(&d_one_) : &f_one_; }
  const void* zero() const { return as_double_ ? static_cast<const void*>(&d_zero_) : &f_zero_; }

 private:
  bool as_double_;
  double d_one_ = 1.0, d_zero_ = 0.0;
  float f_one_ = 1.0f, f_zero_ = 0.0f;
};

}  // namespace bnconf::backends::cuda
