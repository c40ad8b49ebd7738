// A strength-2 covering array: rows of one value index per axis such that every pair of values of
// every two axes appears in some row, with far fewer rows than the full product. The catalogue's
// "pairwise" groups use it to meet every pair of (dtype, layout, rank, operation, option) at
// least once (docs/coverage.md).
#pragma once

#include <cstddef>
#include <vector>

namespace bnconf::generators {

// Rows for axes of `sizes` values each (every size >= 1). Deterministic: the same sizes give the
// same rows, so case ids and seeds are stable.
std::vector<std::vector<std::size_t>> pairwise_rows(const std::vector<std::size_t>& sizes);

}  // namespace bnconf::generators
