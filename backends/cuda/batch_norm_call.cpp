#include "batch_norm_call.hpp"

#include <climits>
#include <string>

#include "bnconf/adapter.hpp"

namespace bnconf::backends::cuda {
namespace {

constexpr cudnnBatchNormMode_t kMode = CUDNN_BATCHNORM_SPATIAL;

std::size_t element_bytes(int dtype) {
  switch (dtype) {
    case BNCONF_F64:
      return sizeof(double);
    case BNCONF_F32:
      return sizeof(float);
    case BNCONF_F16:
      return 2;
    default:
      return 0;
  }
}

cudnnDataType_t data_type(int dtype) {
  switch (dtype) {
    case BNCONF_F64:
      return CUDNN_DATA_DOUBLE;
    case BNCONF_F32:
      return CUDNN_DATA_FLOAT;
    case BNCONF_F16:
      return CUDNN_DATA_HALF;
    case BNCONF_BF16:
      // cuDNN's legacy batch norm documents no bfloat16 configuration; not declared either.
      throw adapter::Unsupported("bf16 is not supported by this adapter");
    default:
      throw adapter::InvalidArgument("unknown dtype " + std::to_string(dtype));
  }
}

}  // namespace

void describe_activation(const bnconf_tensor& x, const TensorDescriptor& out) {
  if (x.rank < 2 || x.rank > 5) {
    throw adapter::Unsupported("rank " + std::to_string(x.rank) + " has no cuDNN descriptor");
  }
  int dims[5] = {1, 1, 1, 1, 1};
  for (int axis = 0; axis < x.rank; ++axis) {
    if (x.shape[axis] <= 0 || x.shape[axis] > INT_MAX) {
      // cuDNN rejects zero extents (CUDNN_STATUS_BAD_PARAM) and takes int extents.
      throw adapter::Unsupported("cuDNN needs extents in [1, INT_MAX]; axis " +
                                 std::to_string(axis) + " is " + std::to_string(x.shape[axis]));
    }
    dims[axis] = static_cast<int>(x.shape[axis]);
  }
  const int nb_dims = x.rank == 5 ? 5 : 4;
  // For rank 2 both layouts store [N][C], which is NCHW with H = W = 1.
  const bool channels_last = x.layout == BNCONF_CHANNELS_LAST && x.rank > 2;
  check(
      cudnnSetTensorNdDescriptorEx(out.get(), channels_last ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW,
                                   data_type(x.dtype), nb_dims, dims),
      "cudnnSetTensorNdDescriptorEx");
}

BatchNormCall::BatchNormCall(const bnconf_tensor& x)
    : channels_(adapter::channel_count(x)), double_parameters_(x.dtype == BNCONF_F64) {
  describe_activation(x, x_descriptor_);
  check(cudnnDeriveBNTensorDescriptor(parameter_descriptor_.get(), x_descriptor_.get(), kMode),
        "cudnnDeriveBNTensorDescriptor");
  const std::size_t count = adapter::element_count(x);
  per_channel_ = count / channels_;
  bytes_ = count * element_bytes(x.dtype);
  x_ = DeviceBuffer(bytes_);
  x_.upload(x.data);
}

BatchNormCall::Saved BatchNormCall::forward_training(const std::vector<double>& scale,
                                                     const std::vector<double>& bias, double eps,
                                                     double factor,
                                                     std::vector<double>* running_mean,
                                                     std::vector<double>* running_var, void* y) {
  const Blend blend(double_parameters_);
  const ParameterVector scale_d(scale, double_parameters_), bias_d(bias, double_parameters_);
  const std::vector<double> none(channels_, 0.0);
  const bool running = running_mean && running_var;
  ParameterVector mean_d(running ? *running_mean : none, double_parameters_);
  ParameterVector var_d(running ? *running_var : none, double_parameters_);
  ParameterVector saved_mean(none, double_parameters_), saved_invstd(none, double_parameters_);
  DeviceBuffer y_d(bytes_);
  // cuDNN takes NULL running buffers (both at once) as "do not update".
  check(cudnnBatchNormalizationForwardTraining(
            handle(), kMode, blend.one(), blend.zero(), x_descriptor_.get(), x_.get(),
            x_descriptor_.get(), y_d.get(), parameter_descriptor_.get(), scale_d.get(),
            bias_d.get(), factor, running ? mean_d.get() : nullptr, running ? var_d.get() : nullptr,
            eps, saved_mean.get(), saved_invstd.get()),
        "cudnnBatchNormalizationForwardTraining");
  y_d.download(y);
  if (running) {
    *running_mean = mean_d.read();
    *running_var = var_d.read();
  }
  return {saved_mean.read(), saved_invstd.read()};
}

std::vector<double> BatchNormCall::unbiased_batch_variance(double eps) {
  // new = (1 - 1) * 0 + 1 * batch: the running buffers end up holding the batch statistics. y is
  // computed into scratch; scale 1 and bias 0 do not enter the statistics.
  std::vector<double> mean(channels_, 0.0), var(channels_, 0.0);
  std::vector<unsigned char> y(bytes_);
  forward_training(std::vector<double>(channels_, 1.0), std::vector<double>(channels_, 0.0), eps,
                   1.0, &mean, &var, y.data());
  return var;
}

void BatchNormCall::forward_inference(const std::vector<double>& scale,
                                      const std::vector<double>& bias,
                                      const std::vector<double>& mean,
                                      const std::vector<double>& var, double eps, void* y) {
  const Blend blend(double_parameters_);
  const ParameterVector scale_d(scale, double_parameters_), bias_d(bias, double_parameters_);
  const ParameterVector mean_d(mean, double_parameters_), var_d(var, double_parameters_);
  DeviceBuffer y_d(bytes_);
  check(cudnnBatchNormalizationForwardInference(
            handle(), kMode, blend.one(), blend.zero(), x_descriptor_.get(), x_.get(),
            x_descriptor_.get(), y_d.get(), parameter_descriptor_.get(), scale_d.get(),
            bias_d.get(), mean_d.get(), var_d.get(), eps),
        "cudnnBatchNormalizationForwardInference");
  y_d.download(y);
}

BatchNormCall::Gradients BatchNormCall::backward(const bnconf_tensor& dy,
                                                 const std::vector<double>& scale, double eps,
                                                 void* dx) {
  const Blend blend(double_parameters_);
  TensorDescriptor dy_descriptor;
  describe_activation(dy, dy_descriptor);
  DeviceBuffer dy_d(bytes_), dx_d(bytes_);
  dy_d.upload(dy.data);
  const std::vector<double> none(channels_, 0.0);
  const ParameterVector scale_d(scale, double_parameters_);
  ParameterVector dscale(none, double_parameters_), dbias(none, double_parameters_);
  check(cudnnBatchNormalizationBackward(handle(), kMode, blend.one(), blend.zero(), blend.one(),
                                        blend.zero(), x_descriptor_.get(), x_.get(),
                                        dy_descriptor.get(), dy_d.get(), x_descriptor_.get(),
                                        dx_d.get(), parameter_descriptor_.get(), scale_d.get(),
                                        dscale.get(), dbias.get(), eps, nullptr, nullptr),
        "cudnnBatchNormalizationBackward");
  dx_d.download(dx);
  return {dscale.read(), dbias.read()};
}

}  // namespace bnconf::backends::cuda
