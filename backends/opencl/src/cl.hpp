// The Khronos C++ bindings, configured once for the whole adapter: OpenCL 1.2 API (all this
// backend needs, and what every platform offers), exceptions on every failed call.
// (CL_HPP_MINIMUM_OPENCL_VERSION 120 with a 2.0+ target trips a bug in the 2023.02 headers:
// getContextPlatformVersion is only defined below 1.2.)
#pragma once

#define CL_TARGET_OPENCL_VERSION 120
#define CL_HPP_TARGET_OPENCL_VERSION 120
#define CL_HPP_MINIMUM_OPENCL_VERSION 120
#define CL_HPP_ENABLE_EXCEPTIONS
#include <CL/opencl.hpp>
#include <string>

namespace bnconf::opencl {

// "CL_OUT_OF_RESOURCES (-5)" for an OpenCL error code.
std::string error_name(cl_int code);

// The message of a failed OpenCL call: "clEnqueueNDRangeKernel failed: CL_... (-N)".
std::string describe(const cl::Error& error);

}  // namespace bnconf::opencl
