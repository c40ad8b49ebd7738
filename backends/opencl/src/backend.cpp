// The bnconf adapter of the OpenCL backend: validates each call, runs it on the device
// (operations.hpp) and updates the running statistics on the host (running_stats.hpp).
#include <string>

#include "bnconf/adapter.hpp"
#include "cl.hpp"
#include "device.hpp"
#include "operations.hpp"
#include "running_stats.hpp"

namespace bnconf::opencl {
namespace {

class OpenClBackend final : public adapter::Backend {
 public:
  const char* name() const override { return "opencl"; }
  // Names platform, driver and device: computed once, when the library is loaded.
  const char* version() const override { return version_.c_str(); }

  bnconf_capabilities capabilities() const override {
    // Everything the ABI offers, for the dtypes the device runs (f64 needs double support).
    // Without a device, f32 only: every call then reports unsupported with the reason.
    return adapter::full_capabilities(device_.available() ? device_.dtypes() : 1u << BNCONF_F32);
  }

  void forward_train(const bnconf_params& params, const bnconf_tensor& x,
                     const bnconf_vector& weight, const bnconf_vector& bias,
                     const bnconf_running* running_in, bnconf_tensor_out y,
                     bnconf_vector_out batch_mean, bnconf_vector_out batch_var,
                     bnconf_vector_out saved_invstd, bnconf_running_out* running_out) override {
    adapter::validate_call(params, x, nullptr, weight, bias, running_in,
                           adapter::Entry::forward_train);
    adapter::check_output(x, y.data, "y");
    on_device(x, [&] {
      const BatchStats stats = forward_batch(device_, params, x, weight, bias, y.data);
      write_vector(stats.mean, batch_mean, "batch_mean");
      write_vector(stats.var, batch_var, "batch_var");
      write_vector(stats.invstd, saved_invstd, "saved_invstd");
      if (params.track_running_stats && running_in && running_out) {
        update_running(params, *running_in, stats.mean, stats.var, geometry_of(x).per_channel(),
                       *running_out);
      }
    });
  }

  void forward_eval(const bnconf_params& params, const bnconf_tensor& x,
                    const bnconf_vector& weight, const bnconf_vector& bias,
                    const bnconf_running* running, bnconf_tensor_out y) override {
    adapter::validate_call(params, x, nullptr, weight, bias, running, adapter::Entry::forward_eval);
    adapter::check_output(x, y.data, "y");
    on_device(x, [&] {
      if (running) {
        forward_frozen(device_, params, x, weight, bias, *running, y.data);
      } else {
        forward_batch(device_, params, x, weight, bias, y.data);  // untracked: batch statistics
      }
    });
  }

  void backward_train(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor& dy,
                      const bnconf_vector& weight, bnconf_tensor_out dx, bnconf_vector_out dweight,
                      bnconf_vector_out dbias) override {
    // The backward entries take no bias; validate compares lengths only, so weight stands in.
    adapter::validate_call(params, x, &dy, weight, bnconf_vector{}, nullptr,
                           adapter::Entry::backward_train);
    adapter::check_output(x, dx.data, "dx");
    on_device(x,
              [&] { backward(device_, params, x, dy, weight, nullptr, dx.data, dweight, dbias); });
  }

  void backward_eval(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor& dy,
                     const bnconf_vector& weight, const bnconf_running* running,
                     bnconf_tensor_out dx, bnconf_vector_out dweight,
                     bnconf_vector_out dbias) override {
    adapter::validate_call(params, x, &dy, weight, bnconf_vector{}, running,
                           adapter::Entry::backward_eval);
    adapter::check_output(x, dx.data, "dx");
    // Untracked (running == nullptr): as backward_train.
    on_device(x,
              [&] { backward(device_, params, x, dy, weight, running, dx.data, dweight, dbias); });
  }

 private:
  // Runs body on the device, or reports why it cannot; OpenCL errors become messages naming the
  // failed call and its error code.
  template <class Body>
  void on_device(const bnconf_tensor& x, Body&& body) {
    if (!device_.available()) throw adapter::Unsupported(device_.unavailable_reason());
    if (!(device_.dtypes() & (1u << x.dtype))) {
      throw adapter::Unsupported("the OpenCL device has no double precision (cl_khr_fp64)");
    }
    try {
      body();
    } catch (const cl::Error& e) {
      throw std::runtime_error("OpenCL: " + describe(e));
    }
  }

  Device device_;
  std::string version_ = device_.description();
};

}  // namespace
}  // namespace bnconf::opencl

BNCONF_EXPORT_BACKEND(bnconf::opencl::OpenClBackend)
