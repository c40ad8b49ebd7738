// Strided views (view = strided): the geometry the runner hands a backend (cases::view_geometry,
// the example of docs/fixture-format.md, "Element order and layout") and the adapter helper's
// reading of it (docs/adapter-guide.md: load_as_double gathers a view in channels-first order,
// channel_of gives the channels of that order, dense_copy makes a dense channels-first tensor).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "bnconf/adapter.hpp"
#include "bnconf/cases/case.hpp"

namespace {

namespace cases = bnconf::cases;
namespace adapter = bnconf::adapter;
using bnconf::reference::Layout;

TEST(StridedView, GeometryOfTheFixtureFormatExample) {
  const std::vector<std::size_t> shape{2, 3, 4, 5};
  const cases::ViewGeometry last = cases::view_geometry(shape, Layout::channels_last);
  EXPECT_EQ(last.strides, (std::vector<std::int64_t>{80, 1, 20, 4}));
  EXPECT_EQ(last.storage_offset, 3);
  EXPECT_EQ(last.span, 162u);
  const cases::ViewGeometry first = cases::view_geometry(shape, Layout::channels_first);
  EXPECT_EQ(first.strides, (std::vector<std::int64_t>{72, 24, 6, 1}));
  EXPECT_EQ(first.storage_offset, 3);
  EXPECT_EQ(first.span, 146u);
}

// A (2, 3, 2) channels-last view whose elements hold their logical row-major index, padding NaN:
// the helper reads the logical values in order and never a padding element.
TEST(StridedView, HelperGathersInChannelsFirstOrder) {
  const std::vector<std::size_t> shape{2, 3, 2};
  const cases::ViewGeometry g = cases::view_geometry(shape, Layout::channels_last);
  std::vector<double> buffer(g.span, std::nan(""));
  bnconf_tensor x{};
  x.rank = 3;
  for (int axis = 0; axis < 3; ++axis) {
    x.shape[axis] = static_cast<std::int64_t>(shape[static_cast<std::size_t>(axis)]);
    x.strides[axis] = g.strides[static_cast<std::size_t>(axis)];
  }
  x.storage_offset = g.storage_offset;
  x.layout = BNCONF_STRIDED;
  x.dtype = BNCONF_F64;
  double logical = 0;
  for (std::int64_t n = 0; n < 2; ++n) {
    for (std::int64_t c = 0; c < 3; ++c) {
      for (std::int64_t l = 0; l < 2; ++l) {
        const std::int64_t index[] = {n, c, l};
        buffer[adapter::storage_offset(x, index)] = logical++;
      }
    }
  }
  x.data = buffer.data();
  const std::vector<double> values = adapter::load_as_double(x);
  ASSERT_EQ(values.size(), 12u);
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(values[i], static_cast<double>(i));
    EXPECT_EQ(adapter::channel_of(x, i), (i / 2) % 3);
  }
  std::vector<unsigned char> storage;
  const bnconf_tensor dense = adapter::dense_copy(x, storage);
  EXPECT_EQ(dense.layout, BNCONF_CHANNELS_FIRST);
  EXPECT_EQ(adapter::load_as_double(dense), values);
}

}  // namespace
