#include "bnconf/cases/array.hpp"

namespace bnconf::cases {

bool checked_element_count(const std::vector<std::size_t>& shape, std::size_t limit,
                           std::size_t& count) {
  // An empty dimension anywhere makes an empty array, whatever the others (an empty batch of a
  // limit-0 result must not fail on the extents before it).
  for (std::size_t dim : shape) {
    if (dim == 0) {
      count = 0;
      return true;
    }
  }
  std::size_t product = 1;
  for (std::size_t dim : shape) {
    if (product > limit / dim) return false;
    product *= dim;
  }
  if (product > limit) return false;  // rank 0: one element
  count = product;
  return true;
}

}  // namespace bnconf::cases
