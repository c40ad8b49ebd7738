// IPOG, the in-parameter-order strategy (Lei, Kacker, Kuhn, Okun and Lawrence, "IPOG: a general
// strategy for t-way software testing", 2007), for strength 2: start from every pair of the first
// two axes; for each further axis, extend every row with the value that covers the most pairs
// not yet covered (horizontal growth), then add rows, or fill rows' free entries, for the pairs
// still missing (vertical growth). Ties go to the smallest value index, so the result is fixed.
#include "bnconf/generators/covering_array.hpp"

#include <set>
#include <stdexcept>
#include <tuple>

namespace bnconf::generators {
namespace {

constexpr std::size_t kFree = static_cast<std::size_t>(-1);

using Pair = std::tuple<std::size_t, std::size_t, std::size_t>;  // (earlier axis, its value,
                                                                  //  value of the new axis)

}  // namespace

std::vector<std::vector<std::size_t>> pairwise_rows(const std::vector<std::size_t>& sizes) {
  for (const std::size_t size : sizes) {
    if (size == 0) throw std::invalid_argument("pairwise: an axis without values");
  }
  const std::size_t axes = sizes.size();
  std::vector<std::vector<std::size_t>> rows;
  if (axes == 0) return {{}};
  if (axes == 1) {
    for (std::size_t v = 0; v < sizes[0]; ++v) rows.push_back({v});
    return rows;
  }
  for (std::size_t a = 0; a < sizes[0]; ++a) {
    for (std::size_t b = 0; b < sizes[1]; ++b) {
      std::vector<std::size_t> row(axes, kFree);
      row[0] = a;
      row[1] = b;
      rows.push_back(std::move(row));
    }
  }
  for (std::size_t axis = 2; axis < axes; ++axis) {
    std::set<Pair> missing;
    for (std::size_t earlier = 0; earlier < axis; ++earlier) {
      for (std::size_t v = 0; v < sizes[earlier]; ++v) {
        for (std::size_t w = 0; w < sizes[axis]; ++w) missing.insert({earlier, v, w});
      }
    }
    // Horizontal growth.
    for (auto& row : rows) {
      std::size_t best = 0, best_gain = 0;
      for (std::size_t w = 0; w < sizes[axis]; ++w) {
        std::size_t gain = 0;
        for (std::size_t earlier = 0; earlier < axis; ++earlier) {
          if (row[earlier] != kFree) gain += missing.count({earlier, row[earlier], w});
        }
        if (gain > best_gain) best = w, best_gain = gain;
      }
      row[axis] = best;
      for (std::size_t earlier = 0; earlier < axis; ++earlier) {
        if (row[earlier] != kFree) missing.erase({earlier, row[earlier], best});
      }
    }
    // Vertical growth.
    for (const auto& [earlier, v, w] : std::set<Pair>(missing)) {
      if (!missing.count({earlier, v, w})) continue;
      bool placed = false;
      for (auto& row : rows) {
        if (row[axis] == w && row[earlier] == kFree) {
          row[earlier] = v;
          placed = true;
          break;
        }
      }
      if (!placed) {
        std::vector<std::size_t> row(axes, kFree);
        row[earlier] = v;
        row[axis] = w;
        rows.push_back(std::move(row));
      }
      missing.erase({earlier, v, w});
    }
  }
  // Free entries cover nothing more: give them values in turn.
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t axis = 0; axis < axes; ++axis) {
      if (rows[r][axis] == kFree) rows[r][axis] = r % sizes[axis];
    }
  }
  return rows;
}

}  // namespace bnconf::generators
