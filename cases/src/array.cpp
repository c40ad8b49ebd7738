#include "bnconf/cases/array.hpp"

namespace bnconf::cases {

bool checked_element_count(const std::vector<std::size_t>& shape, std::size_t limit,
                           std::size_t& count) {
  std::size_t product = 1;
  for (std::size_t dim : shape) {
    if (dim != 0 && product > limit / dim) return false;
    product *= dim;
  }
  if (product > limit) return false;
  count = product;
  return true;
}

}  // namespace bnconf::cases
