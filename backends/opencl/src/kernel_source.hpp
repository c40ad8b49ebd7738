// The OpenCL C source of kernels/batch_norm.cl, embedded at build time (CMakeLists.txt).
#pragma once

namespace bnconf::opencl {

const char* kernel_source();

}  // namespace bnconf::opencl
