#include "device_probe.hpp"

#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <dlfcn.h>

#include "bnconf/adapter.hpp"

namespace bnconf::backends::cuda {
namespace {

// The few NVML entry points used, declared here so that neither nvml.h nor libnvidia-ml (part of
// the driver, absent on machines without a GPU) is needed to build or load the adapter.
using NvmlDevice = struct NvmlDeviceOpaque*;
using NvmlInit = int (*)();
using NvmlCount = int (*)(unsigned int*);
using NvmlHandle = int (*)(unsigned int, NvmlDevice*);
using NvmlName = int (*)(NvmlDevice, char*, unsigned int);
using NvmlShutdown = int (*)();

std::string first_device_name() {
  // Never dlclose'd: NVML may keep helper threads; the library stays for the process's life.
  void* nvml = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!nvml) return "no device";
  auto init = reinterpret_cast<NvmlInit>(dlsym(nvml, "nvmlInit_v2"));
  auto count = reinterpret_cast<NvmlCount>(dlsym(nvml, "nvmlDeviceGetCount_v2"));
  auto by_index = reinterpret_cast<NvmlHandle>(dlsym(nvml, "nvmlDeviceGetHandleByIndex_v2"));
  auto name = reinterpret_cast<NvmlName>(dlsym(nvml, "nvmlDeviceGetName"));
  auto shutdown = reinterpret_cast<NvmlShutdown>(dlsym(nvml, "nvmlShutdown"));
  if (!init || !count || !by_index || !name || !shutdown || init() != 0) return "no device";
  std::string result = "no device";
  unsigned int devices = 0;
  NvmlDevice device = nullptr;
  char text[96] = {};  // NVML_DEVICE_NAME_V2_BUFFER_SIZE
  if (count(&devices) == 0 && devices > 0 && by_index(0, &device) == 0 &&
      name(device, text, sizeof text) == 0) {
    result = text;
    if (devices > 1) result += " (first of " + std::to_string(devices) + ")";
  }
  shutdown();
  return result;
}

}  // namespace

void require_device() {
  // Once per process: the answer cannot change, and the runner gives each case a fresh process.
  static const std::string problem = [] {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
      return std::string("no CUDA device: cudaGetDeviceCount returned ") +
             cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")";
    }
    if (count == 0) return std::string("no CUDA device: cudaGetDeviceCount returned 0 devices");
    return std::string();
  }();
  if (!problem.empty()) throw adapter::Unsupported(problem);
}

std::string version_text() {
  // cudnnGetVersion and cudaRuntimeGetVersion report the libraries' versions without touching the
  // driver. cuDNN 9 encodes major * 10000 + minor * 100 + patch; CUDA major * 1000 + minor * 10.
  const std::size_t cudnn = cudnnGetVersion();
  std::string text = "cuDNN " + std::to_string(cudnn / 10000) + "." +
                     std::to_string(cudnn % 10000 / 100) + "." + std::to_string(cudnn % 100);
  int runtime = 0;
  if (cudaRuntimeGetVersion(&runtime) == cudaSuccess) {
    text += ", CUDA runtime " + std::to_string(runtime / 1000) + "." +
            std::to_string(runtime % 1000 / 10);
  }
  return text + ", " + first_device_name();
}

}  // namespace bnconf::backends::cuda
