#include "cudnn_support.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "bnconf/adapter.hpp"

namespace bnconf::backends::cuda {

void check(cudaError_t status, const char* call) {
  if (status == cudaSuccess) return;
  throw std::runtime_error(std::string(call) + " failed: " + cudaGetErrorName(status) + " (" +
                           cudaGetErrorString(status) + ")");
}

void check(cudnnStatus_t status, const char* call) {
  if (status == CUDNN_STATUS_SUCCESS) return;
  const std::string text = std::string(call) + " returned " + cudnnGetErrorString(status);
  // cuDNN 9 reports unsupported configurations as CUDNN_STATUS_NOT_SUPPORTED or one of its
  // sub-codes (CUDNN_STATUS_NOT_SUPPORTED_*, 3000..3999).
  if (status == CUDNN_STATUS_NOT_SUPPORTED || (status >= 3000 && status < 4000)) {
    throw adapter::Unsupported(text);
  }
  throw std::runtime_error(text);
}

cudnnHandle_t handle() {
  static const cudnnHandle_t created = [] {
    cudnnHandle_t h = nullptr;
    check(cudnnCreate(&h), "cudnnCreate");
    return h;
  }();
  return created;
}

DeviceBuffer::DeviceBuffer(std::size_t bytes) : bytes_(bytes) {
  if (bytes_ > 0) check(cudaMalloc(&data_, bytes_), "cudaMalloc");
}

DeviceBuffer::~DeviceBuffer() {
  if (data_) cudaFree(data_);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    if (data_) cudaFree(data_);
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void DeviceBuffer::upload(const void* host) {
  if (bytes_ > 0) check(cudaMemcpy(data_, host, bytes_, cudaMemcpyHostToDevice), "cudaMemcpy");
}

void DeviceBuffer::download(void* host) const {
  if (bytes_ > 0) check(cudaMemcpy(host, data_, bytes_, cudaMemcpyDeviceToHost), "cudaMemcpy");
}

void DeviceBuffer::zero() {
  if (bytes_ > 0) check(cudaMemset(data_, 0, bytes_), "cudaMemset");
}

TensorDescriptor::TensorDescriptor() {
  check(cudnnCreateTensorDescriptor(&descriptor_), "cudnnCreateTensorDescriptor");
}

TensorDescriptor::~TensorDescriptor() { cudnnDestroyTensorDescriptor(descriptor_); }

ParameterVector::ParameterVector(const std::vector<double>& values, bool as_double)
    : count_(values.size()),
      as_double_(as_double),
      buffer_(values.size() * (as_double ? sizeof(double) : sizeof(float))) {
  if (as_double_) {
    buffer_.upload(values.data());
  } else {
    // The ABI guarantees the values are exact in the case's dtype, so narrowing loses nothing.
    const std::vector<float> narrow(values.begin(), values.end());
    buffer_.upload(narrow.data());
  }
}

std::vector<double> ParameterVector::read() const {
  if (as_double_) {
    std::vector<double> values(count_);
    buffer_.download(values.data());
    return values;
  }
  std::vector<float> values(count_);
  buffer_.download(values.data());
  return {values.begin(), values.end()};
}

}  // namespace bnconf::backends::cuda
