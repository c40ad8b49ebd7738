#include "operations.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "running_stats.hpp"

namespace bnconf::opencl {
namespace {

std::size_t element_size(std::int32_t dtype) {
  switch (dtype) {
    case BNCONF_F64:
      return 8;
    case BNCONF_F32:
      return 4;
    default:
      return 2;  // f16, bf16
  }
}

// Enqueues, per operation, the kernels of one dtype whose working precision is Acc.
template <class Acc>
class Runner {
 public:
  Runner(Device& device, const bnconf_tensor& x)
      : device_(device),
        kernels_(device.kernels(static_cast<bnconf_dtype>(x.dtype))),
        g_(geometry_of(x)),
        bytes_(g_.size() * element_size(x.dtype)) {}

  const Geometry& geometry() const { return g_; }

  // A read-only device copy of an activation.
  cl::Buffer upload_tensor(const void* data) {
    cl::Buffer buffer(device_.context(), CL_MEM_READ_ONLY, bytes_);
    device_.queue().enqueueWriteBuffer(buffer, CL_TRUE, 0, bytes_, data);
    return buffer;
  }
  cl::Buffer output_tensor() { return cl::Buffer(device_.context(), CL_MEM_WRITE_ONLY, bytes_); }
  void download_tensor(const cl::Buffer& buffer, void* out) {
    device_.queue().enqueueReadBuffer(buffer, CL_TRUE, 0, bytes_, out);
  }

  // A per-channel vector in Acc, `fill` in every channel when v is absent (affine = false).
  cl::Buffer upload_vector(const bnconf_vector& v, double fill) {
    std::vector<Acc> values(g_.channels, static_cast<Acc>(fill));
    if (v.data) std::transform(v.data, v.data + g_.channels, values.begin(), narrow);
    cl::Buffer buffer(device_.context(), CL_MEM_READ_ONLY, values.size() * sizeof(Acc));
    device_.queue().enqueueWriteBuffer(buffer, CL_TRUE, 0, values.size() * sizeof(Acc),
                                       values.data());
    return buffer;
  }
  cl::Buffer channel_buffer(std::size_t per_channel) {
    return cl::Buffer(device_.context(), CL_MEM_READ_WRITE,
                      g_.channels * per_channel * sizeof(Acc));
  }
  std::vector<double> download_channels(const cl::Buffer& buffer, std::size_t count) {
    std::vector<Acc> values(count);
    device_.queue().enqueueReadBuffer(buffer, CL_TRUE, 0, count * sizeof(Acc), values.data());
    return std::vector<double>(values.begin(), values.end());
  }

  // stats (3C) and coef (4C) from the batch statistics of x.
  void batch_stats(const cl::Buffer& x, double eps, const cl::Buffer& gamma, const cl::Buffer& beta,
                   const cl::Buffer& stats, const cl::Buffer& coef) {
    cl::Kernel& k = kernels_.batch_stats;
    const std::size_t group = reduction_group();
    int arg = 0;
    k.setArg(arg++, x);
    set_geometry(k, arg, true);
    k.setArg(arg++, static_cast<cl_int>(g_.channels_last));
    k.setArg(arg++, narrow(eps));
    k.setArg(arg++, gamma);
    k.setArg(arg++, beta);
    k.setArg(arg++, stats);
    k.setArg(arg++, coef);
    k.setArg(arg++, cl::Local(group * sizeof(Acc)));
    enqueue_per_channel(k, group);
  }

  // stats' invstd and coef from running statistics.
  void frozen_coefficients(double eps, const bnconf_running& running, const cl::Buffer& gamma,
                           const cl::Buffer& beta, const cl::Buffer& stats,
                           const cl::Buffer& coef) {
    const cl::Buffer mean = upload_vector(running.mean, 0.0);
    const cl::Buffer var = upload_vector(running.var, 1.0);
    cl::Kernel& k = kernels_.frozen_coefficients;
    int arg = 0;
    k.setArg(arg++, static_cast<cl_ulong>(g_.channels));
    k.setArg(arg++, narrow(eps));
    k.setArg(arg++, mean);
    k.setArg(arg++, var);
    k.setArg(arg++, gamma);
    k.setArg(arg++, beta);
    k.setArg(arg++, stats);
    k.setArg(arg++, coef);
    // Releasing mean and var on return is safe: OpenCL keeps a memory object alive until the
    // commands that use it have finished.
    device_.queue().enqueueNDRangeKernel(k, cl::NullRange, cl::NDRange(g_.channels));
  }

  void normalize(const cl::Buffer& x, const cl::Buffer& y, const cl::Buffer& coef) {
    cl::Kernel& k = kernels_.normalize;
    int arg = 0;
    k.setArg(arg++, x);
    k.setArg(arg++, y);
    set_geometry(k, arg, false);
    k.setArg(arg++, static_cast<cl_int>(g_.channels_last));
    k.setArg(arg++, coef);
    device_.queue().enqueueNDRangeKernel(k, cl::NullRange, cl::NDRange(g_.size()));
  }

  void backward_reduce(const cl::Buffer& x, const cl::Buffer& dy, bool dy_last, bool frozen,
                       const cl::Buffer& gamma, const cl::Buffer& stats, const cl::Buffer& coef,
                       const cl::Buffer& grad, const cl::Buffer& gcoef) {
    cl::Kernel& k = kernels_.backward_reduce;
    const std::size_t group = reduction_group();
    int arg = 0;
    k.setArg(arg++, x);
    k.setArg(arg++, dy);
    set_geometry(k, arg, true);
    k.setArg(arg++, static_cast<cl_int>(g_.channels_last));
    k.setArg(arg++, static_cast<cl_int>(dy_last));
    k.setArg(arg++, static_cast<cl_int>(frozen));
    k.setArg(arg++, gamma);
    k.setArg(arg++, stats);
    k.setArg(arg++, coef);
    k.setArg(arg++, grad);
    k.setArg(arg++, gcoef);
    k.setArg(arg++, cl::Local(group * sizeof(Acc)));
    enqueue_per_channel(k, group);
  }

  void backward_apply(const cl::Buffer& x, const cl::Buffer& dy, const cl::Buffer& dx, bool dy_last,
                      bool frozen, const cl::Buffer& coef, const cl::Buffer& gcoef) {
    cl::Kernel& k = kernels_.backward_apply;
    int arg = 0;
    k.setArg(arg++, x);
    k.setArg(arg++, dy);
    k.setArg(arg++, dx);
    set_geometry(k, arg, false);
    k.setArg(arg++, static_cast<cl_int>(g_.channels_last));
    k.setArg(arg++, static_cast<cl_int>(dy_last));
    k.setArg(arg++, static_cast<cl_int>(frozen));
    k.setArg(arg++, coef);
    k.setArg(arg++, gcoef);
    device_.queue().enqueueNDRangeKernel(k, cl::NullRange, cl::NDRange(g_.size()));
  }

 private:
  static Acc narrow(double v) { return static_cast<Acc>(v); }

  void set_geometry(cl::Kernel& k, int& arg, bool with_count) {
    k.setArg(arg++, static_cast<cl_ulong>(g_.channels));
    k.setArg(arg++, static_cast<cl_ulong>(g_.spatial));
    if (with_count) k.setArg(arg++, static_cast<cl_ulong>(g_.per_channel()));
  }

  // One work-group per channel: no more work-items than values (a power of two >= M suffices).
  std::size_t reduction_group() const {
    std::size_t group = 1;
    while (group < g_.per_channel() && group < kernels_.reduction_group) group *= 2;
    return group;
  }

  void enqueue_per_channel(cl::Kernel& k, std::size_t group) {
    device_.queue().enqueueNDRangeKernel(k, cl::NullRange, cl::NDRange(g_.channels * group),
                                         cl::NDRange(group));
  }

  Device& device_;
  Kernels& kernels_;
  Geometry g_;
  std::size_t bytes_;
};

template <class Acc>
BatchStats forward_batch_as(Device& device, const bnconf_params& params, const bnconf_tensor& x,
                            const bnconf_vector& weight, const bnconf_vector& bias, void* y) {
  Runner<Acc> run(device, x);
  const Geometry& g = run.geometry();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  BatchStats out{std::vector<double>(g.channels, nan), std::vector<double>(g.channels, nan),
                 std::vector<double>(g.channels, nan)};
  if (g.size() == 0) return out;  // empty batch: 0 / 0 statistics, nothing to normalise
  const cl::Buffer xs = run.upload_tensor(x.data);
  const cl::Buffer gamma = run.upload_vector(params.affine ? weight : bnconf_vector{}, 1.0);
  const cl::Buffer beta = run.upload_vector(params.affine ? bias : bnconf_vector{}, 0.0);
  const cl::Buffer stats = run.channel_buffer(3);
  const cl::Buffer coef = run.channel_buffer(4);
  const cl::Buffer ys = run.output_tensor();
  run.batch_stats(xs, params.eps, gamma, beta, stats, coef);
  run.normalize(xs, ys, coef);
  run.download_tensor(ys, y);
  const std::vector<double> s = run.download_channels(stats, 3 * g.channels);
  const auto c = static_cast<std::ptrdiff_t>(g.channels);
  out.mean.assign(s.begin(), s.begin() + c);
  out.var.assign(s.begin() + c, s.begin() + 2 * c);
  out.invstd.assign(s.begin() + 2 * c, s.end());
  return out;
}

template <class Acc>
void forward_frozen_as(Device& device, const bnconf_params& params, const bnconf_tensor& x,
                       const bnconf_vector& weight, const bnconf_vector& bias,
                       const bnconf_running& running, void* y) {
  Runner<Acc> run(device, x);
  if (run.geometry().size() == 0) return;
  const cl::Buffer xs = run.upload_tensor(x.data);
  const cl::Buffer gamma = run.upload_vector(params.affine ? weight : bnconf_vector{}, 1.0);
  const cl::Buffer beta = run.upload_vector(params.affine ? bias : bnconf_vector{}, 0.0);
  const cl::Buffer stats = run.channel_buffer(3);
  const cl::Buffer coef = run.channel_buffer(4);
  const cl::Buffer ys = run.output_tensor();
  run.frozen_coefficients(params.eps, running, gamma, beta, stats, coef);
  run.normalize(xs, ys, coef);
  run.download_tensor(ys, y);
}

template <class Acc>
void backward_as(Device& device, const bnconf_params& params, const bnconf_tensor& x,
                 const bnconf_tensor& dy, const bnconf_vector& weight, const bnconf_running* frozen,
                 void* dx, bnconf_vector_out dweight, bnconf_vector_out dbias) {
  Runner<Acc> run(device, x);
  const Geometry& g = run.geometry();
  std::vector<double> dw(g.channels, 0.0), db(g.channels, 0.0);  // empty sums are 0
  if (g.size() > 0) {
    const bool dy_last = geometry_of(dy).channels_last;
    const cl::Buffer xs = run.upload_tensor(x.data);
    const cl::Buffer dys = run.upload_tensor(dy.data);
    const cl::Buffer gamma = run.upload_vector(params.affine ? weight : bnconf_vector{}, 1.0);
    const cl::Buffer beta = run.upload_vector(bnconf_vector{}, 0.0);
    const cl::Buffer stats = run.channel_buffer(3);
    const cl::Buffer coef = run.channel_buffer(4);
    const cl::Buffer grad = run.channel_buffer(2);
    const cl::Buffer gcoef = run.channel_buffer(3);
    const cl::Buffer dxs = run.output_tensor();
    if (frozen) {
      run.frozen_coefficients(params.eps, *frozen, gamma, beta, stats, coef);
    } else {
      run.batch_stats(xs, params.eps, gamma, beta, stats, coef);
    }
    run.backward_reduce(xs, dys, dy_last, frozen != nullptr, gamma, stats, coef, grad, gcoef);
    run.backward_apply(xs, dys, dxs, dy_last, frozen != nullptr, coef, gcoef);
    run.download_tensor(dxs, dx);
    const std::vector<double> sums = run.download_channels(grad, 2 * g.channels);
    const auto c = static_cast<std::ptrdiff_t>(g.channels);
    dw.assign(sums.begin(), sums.begin() + c);
    db.assign(sums.begin() + c, sums.end());
  }
  if (params.affine) {
    write_vector(dw, dweight, "dweight");
    write_vector(db, dbias, "dbias");
  }
}

}  // namespace

Geometry geometry_of(const bnconf_tensor& x) {
  Geometry g;
  g.batch = static_cast<std::size_t>(x.shape[0]);
  g.channels = static_cast<std::size_t>(x.shape[1]);
  for (int axis = 2; axis < x.rank; ++axis) g.spatial *= static_cast<std::size_t>(x.shape[axis]);
  g.channels_last = x.layout == BNCONF_CHANNELS_LAST && x.rank > 2;
  return g;
}

BatchStats forward_batch(Device& device, const bnconf_params& params, const bnconf_tensor& x,
                         const bnconf_vector& weight, const bnconf_vector& bias, void* y) {
  return x.dtype == BNCONF_F64 ? forward_batch_as<double>(device, params, x, weight, bias, y)
                               : forward_batch_as<float>(device, params, x, weight, bias, y);
}

void forward_frozen(Device& device, const bnconf_params& params, const bnconf_tensor& x,
                    const bnconf_vector& weight, const bnconf_vector& bias,
                    const bnconf_running& running, void* y) {
  if (x.dtype == BNCONF_F64) {
    forward_frozen_as<double>(device, params, x, weight, bias, running, y);
  } else {
    forward_frozen_as<float>(device, params, x, weight, bias, running, y);
  }
}

void backward(Device& device, const bnconf_params& params, const bnconf_tensor& x,
              const bnconf_tensor& dy, const bnconf_vector& weight, const bnconf_running* frozen,
              void* dx, bnconf_vector_out dweight, bnconf_vector_out dbias) {
  if (x.dtype == BNCONF_F64) {
    backward_as<double>(device, params, x, dy, weight, frozen, dx, dweight, dbias);
  } else {
    backward_as<float>(device, params, x, dy, weight, frozen, dx, dweight, dbias);
  }
}

}  // namespace bnconf::opencl
