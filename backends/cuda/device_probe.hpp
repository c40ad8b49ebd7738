// Whether this process can use a CUDA device, and the version line of the adapter.
#pragma once

#include <string>

namespace bnconf::backends::cuda {

// Throws adapter::Unsupported("no CUDA device: ...") unless the CUDA runtime sees a device. The
// probe initialises the CUDA driver, so it runs on the first operation (in the runner's per-case
// child process), never when the library is loaded or its table is built.
void require_device();

// "cuDNN 9.19.0, CUDA runtime 13.0, NVIDIA H100 80GB HBM3" (or "..., no device"). The device
// name comes from NVML, loaded with dlopen, because it does not create a CUDA context: the
// version is computed in the runner's parent process, which forks after it.
std::string version_text();

}  // namespace bnconf::backends::cuda
