#include "device.hpp"

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernel_source.hpp"

namespace bnconf::opencl {
namespace {

// Work-group size cap of the reductions: enough work-items to keep a GPU's compute unit busy,
// and a tree of 8 levels.
constexpr std::size_t kMaxReductionGroup = 256;

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\0')) text.pop_back();
  return text;
}

// "OpenCL 3.0" from CL_DEVICE_VERSION "OpenCL 3.0 PoCL HSTR: ...".
std::string opencl_version(const std::string& device_version) {
  const auto space = device_version.find(' ', device_version.find(' ') + 1);
  return device_version.substr(0, space);
}

std::string type_name(cl_device_type type) {
  if (type & CL_DEVICE_TYPE_GPU) return "gpu";
  if (type & CL_DEVICE_TYPE_CPU) return "cpu";
  if (type & CL_DEVICE_TYPE_ACCELERATOR) return "accelerator";
  return "other";
}

// The matrix's backend version: platform and driver, device type and name, OpenCL version.
std::string describe_device(const cl::Platform& platform, const cl::Device& device) {
  const std::string platform_version = trim(platform.getInfo<CL_PLATFORM_VERSION>());
  const std::string driver = trim(device.getInfo<CL_DRIVER_VERSION>());
  const std::string vendor = platform_version.find("PoCL") != std::string::npos
                                 ? std::string("PoCL")
                                 : trim(platform.getInfo<CL_PLATFORM_NAME>());
  return vendor + " " + driver + " (" + type_name(device.getInfo<CL_DEVICE_TYPE>()) + ": " +
         trim(device.getInfo<CL_DEVICE_NAME>()) + ", " +
         opencl_version(trim(device.getInfo<CL_DEVICE_VERSION>())) + ")";
}

const char* dtype_macro(bnconf_dtype dtype) {
  switch (dtype) {
    case BNCONF_F64:
      return "-DBN_F64";
    case BNCONF_F32:
      return "-DBN_F32";
    case BNCONF_F16:
      return "-DBN_F16";
    case BNCONF_BF16:
      return "-DBN_BF16";
  }
  return "";
}

std::size_t power_of_two_floor(std::size_t n) {
  std::size_t p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

// The device this backend uses: the first GPU of any platform, else the first device.
struct Selection {
  cl::Platform platform;
  cl::Device device;
};
std::optional<Selection> select_device(std::string& reason) {
  std::vector<cl::Platform> platforms;
  try {
    cl::Platform::get(&platforms);
  } catch (const cl::Error& e) {
    // The ICD loader reports CL_PLATFORM_NOT_FOUND_KHR (-1001) when no driver is installed.
    reason = "no OpenCL platform (" + describe(e) + ")";
    return std::nullopt;
  }
  for (const cl_device_type type :
       {cl_device_type{CL_DEVICE_TYPE_GPU}, cl_device_type{CL_DEVICE_TYPE_ALL}}) {
    for (const auto& platform : platforms) {
      std::vector<cl::Device> devices;
      try {
        platform.getDevices(type, &devices);
      } catch (const cl::Error&) {
        continue;  // CL_DEVICE_NOT_FOUND for this type on this platform
      }
      if (!devices.empty()) return Selection{platform, devices.front()};
    }
  }
  reason = platforms.empty() ? "no OpenCL platform installed" : "no OpenCL device on any platform";
  return std::nullopt;
}

std::uint32_t dtypes_of(const cl::Device& device) {
  std::uint32_t dtypes = (1u << BNCONF_F32) | (1u << BNCONF_F16) | (1u << BNCONF_BF16);
  if (device.getInfo<CL_DEVICE_DOUBLE_FP_CONFIG>() != 0) dtypes |= 1u << BNCONF_F64;
  return dtypes;
}

// What the probe process reports: "1 <dtypes> <description>" or "0 <reason>".
std::string probe_report() {
  try {
    std::string reason;
    const auto chosen = select_device(reason);
    if (!chosen) return "0 " + reason;
    return "1 " + std::to_string(dtypes_of(chosen->device)) + " " +
           describe_device(chosen->platform, chosen->device);
  } catch (const cl::Error& e) {
    return "0 OpenCL device query failed: " + describe(e);
  } catch (const std::exception& e) {
    return std::string("0 OpenCL device query failed: ") + e.what();
  }
}

// Runs probe_report() in a child process (see device.hpp: OpenCL must stay uninitialised here)
// and returns what it wrote.
std::string run_probe() {
  int fds[2];
  if (::pipe(fds) != 0) return "0 cannot probe the OpenCL device: pipe() failed";
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return "0 cannot probe the OpenCL device: fork() failed";
  }
  if (child == 0) {
    ::close(fds[0]);
    const std::string report = probe_report();
    std::size_t done = 0;
    while (done < report.size()) {
      const ssize_t n = ::write(fds[1], report.data() + done, report.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::_exit(0);  // no atexit handlers or static destructors of the parent's image
  }
  ::close(fds[1]);
  std::string report;
  char buffer[512];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    report.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (report.empty()) return "0 the OpenCL device probe process died without a report";
  return report;
}

}  // namespace

Device::Device() {
  const std::string report = run_probe();
  if (report.rfind("1 ", 0) == 0) {
    const std::size_t space = report.find(' ', 2);
    dtypes_ = static_cast<std::uint32_t>(std::stoul(report.substr(2, space - 2)));
    description_ = report.substr(space + 1);
  } else {
    reason_ = report.substr(std::min<std::size_t>(2, report.size()));
    description_ = "unavailable: " + *reason_;
  }
}

void Device::open() {
  const long pid = static_cast<long>(::getpid());
  if (opened_by_ == pid) return;
  if (opened_by_ != 0) {
    throw std::runtime_error(
        "the OpenCL device was opened by the parent of this fork()ed process; OpenCL runtimes "
        "are not fork-safe (their worker threads do not survive fork)");
  }
  std::string reason;
  const auto chosen = select_device(reason);
  if (!chosen) throw std::runtime_error(reason);
  device_ = chosen->device;
  context_ = cl::Context(device_);
  queue_ = cl::CommandQueue(context_, device_);
  // OpenCL allows 2.5 ulp float division and 3 ulp sqrt unless asked for correct rounding,
  // which the device may offer; double division and sqrt are always correctly rounded.
  build_options_ = "-cl-std=CL1.2";
  if (device_.getInfo<CL_DEVICE_SINGLE_FP_CONFIG>() & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) {
    build_options_ += " -cl-fp32-correctly-rounded-divide-sqrt";
  }
  opened_by_ = pid;
}

cl::Context& Device::context() {
  open();
  return context_;
}

cl::CommandQueue& Device::queue() {
  open();
  return queue_;
}

Kernels& Device::kernels(bnconf_dtype dtype) {
  open();
  auto& slot = kernels_.at(static_cast<std::size_t>(dtype));
  if (slot) return *slot;
  cl::Program program(context_, kernel_source());
  const std::string options = build_options_ + " " + dtype_macro(dtype);
  try {
    program.build(std::vector<cl::Device>{device_}, options.c_str());
  } catch (const cl::Error& e) {
    std::string log;
    try {
      log = program.getBuildInfo<CL_PROGRAM_BUILD_LOG>(device_);
    } catch (const cl::Error&) {
      log = "(no build log)";
    }
    throw std::runtime_error("building the OpenCL kernels (" + options +
                             ") failed: " + describe(e) + "\n" + log);
  }
  Kernels k;
  k.batch_stats = cl::Kernel(program, "bn_batch_stats");
  k.frozen_coefficients = cl::Kernel(program, "bn_frozen_coefficients");
  k.normalize = cl::Kernel(program, "bn_normalize");
  k.backward_reduce = cl::Kernel(program, "bn_backward_reduce");
  k.backward_apply = cl::Kernel(program, "bn_backward_apply");
  const std::size_t limit =
      std::min({k.batch_stats.getWorkGroupInfo<CL_KERNEL_WORK_GROUP_SIZE>(device_),
                k.backward_reduce.getWorkGroupInfo<CL_KERNEL_WORK_GROUP_SIZE>(device_),
                device_.getInfo<CL_DEVICE_MAX_WORK_ITEM_SIZES>().at(0), kMaxReductionGroup});
  k.reduction_group = power_of_two_floor(std::max<std::size_t>(limit, 1));
  slot = std::move(k);
  return *slot;
}

}  // namespace bnconf::opencl
