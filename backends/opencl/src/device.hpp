// The OpenCL device this backend runs on, and the programs built for it.
//
// Device: the first GPU of any platform, else the first device of any type (PoCL's CPU device
// on Debian).
//
// Not fork-safe: OpenCL runtimes start worker threads when they initialise their devices (PoCL's
// pthread device does so in clGetDeviceIDs), and a fork()ed child has none of them, so a child
// using a device its parent opened hangs in its first blocking call. The runner loads the
// backend, then forks a child per case. Hence, at load time, the device is only *described*, by
// a short-lived probe process (version string and dtypes, nothing initialised in this process),
// and it is opened on the first operation, in the process that runs it.
//
// Programs: kernels/batch_norm.cl compiled once per storage dtype (-DBN_F32 ...) on first use
// and cached for the life of the process.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>

#include "bnconf/adapter.h"
#include "cl.hpp"

namespace bnconf::opencl {

// The kernels of one dtype's program.
struct Kernels {
  cl::Kernel batch_stats;
  cl::Kernel frozen_coefficients;
  cl::Kernel normalize;
  cl::Kernel backward_reduce;
  cl::Kernel backward_apply;
  // Largest power-of-two work-group the reduction kernels accept on this device (<= 256).
  std::size_t reduction_group = 1;
};

class Device {
 public:
  // Probes the device in a child process; never throws (a failure is recorded in
  // unavailable_reason()).
  Device();

  bool available() const { return !reason_.has_value(); }
  const std::string& unavailable_reason() const { return *reason_; }
  // "PoCL 3.1+debian (cpu: pthread-..., OpenCL 3.0)", or "unavailable: <reason>".
  const std::string& description() const { return description_; }
  // Storage dtypes the device can run: f32, f16 and bf16 always (core OpenCL; computed in
  // float), f64 when it reports double precision (cl_khr_fp64).
  std::uint32_t dtypes() const { return dtypes_; }

  // Opens the device in this process on first use (throws on OpenCL errors, and when it was
  // opened by another process: the parent of a fork).
  cl::Context& context();
  cl::CommandQueue& queue();
  // The kernels for dtype, building its program on first use (throws with the build log).
  Kernels& kernels(bnconf_dtype dtype);

 private:
  void open();

  long opened_by_ = 0;  // pid of the process that opened the device, 0 before
  std::optional<std::string> reason_;
  std::string description_;
  std::uint32_t dtypes_ = 0;
  std::string build_options_;
  cl::Device device_;
  cl::Context context_;
  cl::CommandQueue queue_;
  std::array<std::optional<Kernels>, 4> kernels_;
};

}  // namespace bnconf::opencl
