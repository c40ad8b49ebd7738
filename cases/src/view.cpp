// Views of an activation: dense, or strided with padding and a storage offset (case.hpp).
#include "bnconf/cases/case.hpp"

namespace bnconf::cases {
namespace {

// The padding added to the innermost storage axis and the offset of the first element: small,
// odd, so that no stride of the view equals a dense stride and element (0, ..., 0) is not at
// the buffer's start (pytorch#174345: channels_last with a storage offset).
constexpr std::int64_t kInnerPadding = 1;
constexpr std::int64_t kStorageOffset = 3;

}  // namespace

std::string_view to_string(View view) { return view == View::strided ? "strided" : "dense"; }

std::optional<View> view_from_string(std::string_view name) {
  if (name == "dense") return View::dense;
  if (name == "strided") return View::strided;
  return std::nullopt;
}

// Axes in memory order, slowest first: (N, C, spatial...) channels-first, (N, spatial..., C)
// channels-last. The innermost axis gets one padding element, every outer stride follows.
ViewGeometry view_geometry(const std::vector<std::size_t>& shape, reference::Layout layout) {
  const std::size_t rank = shape.size();
  std::vector<std::size_t> order;
  order.push_back(0);
  if (layout == reference::Layout::channels_first && rank > 1) order.push_back(1);
  for (std::size_t axis = 2; axis < rank; ++axis) order.push_back(axis);
  if (layout == reference::Layout::channels_last && rank > 1) order.push_back(1);
  ViewGeometry g;
  g.strides.assign(rank, 0);
  g.storage_offset = kStorageOffset;
  std::int64_t stride = 1;
  bool empty = false;
  for (std::size_t k = rank; k-- > 0;) {
    const std::size_t axis = order[k];
    g.strides[axis] = stride;
    const auto extent = static_cast<std::int64_t>(shape[axis]);
    empty = empty || extent == 0;
    stride *= extent + (k + 1 == rank ? kInnerPadding : 0);
  }
  // The buffer reaches one past the last element (the offset plus the largest position).
  std::int64_t last = g.storage_offset;
  for (std::size_t axis = 0; axis < rank; ++axis) {
    if (shape[axis] > 0) last += (static_cast<std::int64_t>(shape[axis]) - 1) * g.strides[axis];
  }
  g.span = empty ? static_cast<std::size_t>(g.storage_offset) : static_cast<std::size_t>(last + 1);
  return g;
}

}  // namespace bnconf::cases
