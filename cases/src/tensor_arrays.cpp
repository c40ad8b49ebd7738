#include "bnconf/cases/tensor_arrays.hpp"

#include <xtensor/xadapt.hpp>

namespace bnconf::cases {

Array to_array(const reference::Tensor& tensor) {
  const xt::xarray<double> row_major = tensor;  // logical order, whatever the strides
  return {reference::shape_of(tensor),
          std::vector<double>(row_major.data(), row_major.data() + row_major.size())};
}

Array to_array(const reference::ChannelVector& vector) {
  return Array::vector(std::vector<double>(vector.begin(), vector.end()));
}

reference::Tensor to_tensor(const Array& array, reference::Layout layout) {
  reference::Tensor tensor = reference::make_tensor(array.shape, layout);
  tensor.assign(xt::adapt(array.values, array.shape));
  return tensor;
}

reference::ChannelVector to_channel_vector(const Array& array) {
  reference::ChannelVector vector = xt::zeros<double>({array.values.size()});
  std::copy(array.values.begin(), array.values.end(), vector.begin());
  return vector;
}

}  // namespace bnconf::cases
