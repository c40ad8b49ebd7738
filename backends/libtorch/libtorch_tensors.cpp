#include "libtorch_tensors.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "bnconf/adapter.hpp"

namespace bnconf::backends::libtorch {
namespace {

std::vector<std::int64_t> sizes_of(const bnconf_tensor& x) {
  return std::vector<std::int64_t>(x.shape, x.shape + x.rank);
}

// Element strides of the ABI's storage order: channels-first is row-major (N, C, spatial...);
// channels-last is row-major (N, spatial..., C).
std::vector<std::int64_t> strides_of(const bnconf_tensor& x) {
  std::vector<std::int64_t> strides(static_cast<std::size_t>(x.rank));
  std::int64_t step = 1;
  auto place = [&](int axis) {
    strides[static_cast<std::size_t>(axis)] = step;
    step *= std::max<std::int64_t>(x.shape[axis], 1);
  };
  const bool last = x.layout == BNCONF_CHANNELS_LAST && x.rank > 2;
  if (last) place(1);
  for (int axis = x.rank - 1; axis >= 2; --axis) place(axis);
  if (!last && x.rank > 1) place(1);
  place(0);
  return strides;
}

}  // namespace

at::ScalarType scalar_type_of(bnconf_dtype dtype) {
  switch (dtype) {
    case BNCONF_F64:
      return at::kDouble;
    case BNCONF_F32:
      return at::kFloat;
    case BNCONF_F16:
      return at::kHalf;
    case BNCONF_BF16:
      return at::kBFloat16;
  }
  throw adapter::InvalidArgument("unknown dtype " + std::to_string(dtype));
}

at::ScalarType parameter_type_of(bnconf_dtype dtype) {
  return dtype == BNCONF_F64 ? at::kDouble : at::kFloat;
}

at::Tensor view_of(const bnconf_tensor& x) {
  const auto options =
      at::TensorOptions().dtype(scalar_type_of(static_cast<bnconf_dtype>(x.dtype)));
  // from_blob takes a non-const pointer; the adapter never writes through it.
  return torch::from_blob(const_cast<void*>(x.data), sizes_of(x), strides_of(x), options);
}

at::Tensor output_view(const bnconf_tensor& x, void* data) {
  const auto options =
      at::TensorOptions().dtype(scalar_type_of(static_cast<bnconf_dtype>(x.dtype)));
  return torch::from_blob(data, sizes_of(x), strides_of(x), options);
}

at::Tensor channel_tensor(const bnconf_vector& v, at::ScalarType type) {
  if (!v.data) return {};
  const at::Tensor values = torch::from_blob(const_cast<double*>(v.data), {v.length},
                                             at::TensorOptions().dtype(at::kDouble));
  // Always a copy (to() alone returns the same tensor when the type already matches): libtorch
  // updates running statistics in place, and the caller's vectors are inputs.
  return values.to(type, /*non_blocking=*/false, /*copy=*/true);
}

void write_channels(const at::Tensor& values, bnconf_vector_out out) {
  if (!out.data) return;
  const at::Tensor as_double = values.to(at::kDouble).contiguous();
  if (as_double.numel() != out.length) {
    throw std::runtime_error("libtorch returned " + std::to_string(as_double.numel()) +
                             " per-channel values where " + std::to_string(out.length) +
                             " are due");
  }
  std::copy(as_double.data_ptr<double>(), as_double.data_ptr<double>() + out.length, out.data);
}

}  // namespace bnconf::backends::libtorch
