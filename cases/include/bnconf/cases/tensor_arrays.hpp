// Conversions between stored arrays (logical row-major order) and the reference's tensors.
#pragma once

#include "bnconf/cases/array.hpp"
#include "bnconf/reference/batch_norm.hpp"

namespace bnconf::cases {

Array to_array(const reference::Tensor& tensor);
Array to_array(const reference::ChannelVector& vector);
// The array's values in a tensor of the array's shape stored in `layout`.
reference::Tensor to_tensor(const Array& array, reference::Layout layout);
reference::ChannelVector to_channel_vector(const Array& array);

}  // namespace bnconf::cases
