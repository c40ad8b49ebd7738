// Tensor type of the public API and its memory layouts.
//
// Activations always have the logical shape (N, C, spatial...) with the channel on axis 1, as in
// PyTorch. The memory layout is a property of the strides, again as in PyTorch's memory formats:
// channels-first stores (N, C, D, H, W) row-major, channels-last stores (N, D, H, W, C) row-major.
// Any dense permutation of the axes is accepted by the reference.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>

namespace bnconf::reference {

// Logical shape (N, C, ...) over dense storage with any axis order.
using Tensor = xt::xarray<double, xt::layout_type::dynamic>;
// Per-channel vectors: weight, bias, running statistics, batch statistics, gradients.
using ChannelVector = xt::xtensor<double, 1>;
using Shape = std::vector<std::size_t>;

enum class Layout { channels_first, channels_last };
inline constexpr Layout kAllLayouts[] = {Layout::channels_first, Layout::channels_last};

std::string_view to_string(Layout layout);
std::optional<Layout> layout_from_string(std::string_view name);

// A zero-filled tensor with logical shape `shape` stored in `layout`.
Tensor make_tensor(const Shape& shape, Layout layout);
// Same logical values stored in `layout`.
Tensor to_layout(const Tensor& tensor, Layout layout);
// The layout whose strides `tensor` has; nullopt for other axis orders. Tensors of rank 2 (or
// with all spatial sizes 1) are both; channels_first is reported then.
std::optional<Layout> layout_of(const Tensor& tensor);

Shape shape_of(const Tensor& tensor);
// "[1, 512, 1, 1]"
std::string format_shape(const Shape& shape);

}  // namespace bnconf::reference
