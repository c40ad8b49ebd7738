// An n-dimensional array of doubles in logical (row-major) element order, shape alongside: how
// case data is held everywhere (fixture and results files, engines, the judge).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bnconf::cases {

struct Array {
  std::vector<std::size_t> shape;  // empty for a scalar
  std::vector<double> values;      // product(shape) values, row-major

  static Array scalar(double value) { return {{}, {value}}; }
  static Array vector(std::vector<double> values) {
    const std::size_t n = values.size();
    return {{n}, std::move(values)};
  }
  bool operator==(const Array&) const = default;
};

// Product of the dims, or nothing if it overflows or exceeds `limit`.
bool checked_element_count(const std::vector<std::size_t>& shape, std::size_t limit,
                           std::size_t& count);

}  // namespace bnconf::cases
