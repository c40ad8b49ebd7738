#include "bnconf/reference/tensor.hpp"

#include <numeric>
#include <sstream>

namespace bnconf::reference {
namespace {

// Axes from slowest to fastest varying in memory.
std::vector<std::size_t> memory_order(std::size_t rank, Layout layout) {
  std::vector<std::size_t> order(rank);
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (layout == Layout::channels_last && rank > 2) {
    order.erase(order.begin() + 1);
    order.push_back(1);
  }
  return order;
}

Tensor::strides_type strides_for(const Shape& shape, Layout layout) {
  Tensor::strides_type strides(shape.size(), 0);
  std::ptrdiff_t step = 1;
  const auto order = memory_order(shape.size(), layout);
  for (auto axis = order.rbegin(); axis != order.rend(); ++axis) {
    // xtensor's convention: axes of size 1 get stride 0.
    strides[*axis] = shape[*axis] == 1 ? 0 : step;
    step *= static_cast<std::ptrdiff_t>(shape[*axis]);
  }
  return strides;
}

}  // namespace

std::string_view to_string(Layout layout) {
  return layout == Layout::channels_first ? "channels_first" : "channels_last";
}

std::optional<Layout> layout_from_string(std::string_view name) {
  for (auto layout : kAllLayouts) {
    if (to_string(layout) == name) return layout;
  }
  return std::nullopt;
}

Tensor make_tensor(const Shape& shape, Layout layout) {
  Tensor tensor(Tensor::shape_type(shape.begin(), shape.end()), strides_for(shape, layout));
  std::fill(tensor.storage().begin(), tensor.storage().end(), 0.0);
  return tensor;
}

Tensor to_layout(const Tensor& tensor, Layout layout) {
  Tensor result = make_tensor(shape_of(tensor), layout);
  result.assign(tensor);
  return result;
}

std::optional<Layout> layout_of(const Tensor& tensor) {
  const Shape shape = shape_of(tensor);
  for (auto layout : {Layout::channels_first, Layout::channels_last}) {
    const auto expected = strides_for(shape, layout);
    if (std::equal(expected.begin(), expected.end(), tensor.strides().begin(),
                   tensor.strides().end())) {
      return layout;
    }
  }
  return std::nullopt;
}

Shape shape_of(const Tensor& tensor) { return Shape(tensor.shape().begin(), tensor.shape().end()); }

std::string format_shape(const Shape& shape) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

}  // namespace bnconf::reference
