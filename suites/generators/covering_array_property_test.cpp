// The covering arrays of the catalogue's pairwise groups (covering_array.hpp) meet every pair.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>
#include <tuple>

#include "bnconf/generators/covering_array.hpp"

namespace bnconf::generators {
namespace {

// Every pair of values of every two axes appears in some row, whatever the axis sizes.
RC_GTEST_PROP(PairwiseRows, EveryPairOfValuesOfEveryTwoAxesIsInSomeRow, ()) {
  const auto sizes = *rc::gen::container<std::vector<std::size_t>>(
      *rc::gen::inRange<std::size_t>(0, 7), rc::gen::inRange<std::size_t>(1, 6));
  const auto rows = pairwise_rows(sizes);
  std::set<std::tuple<std::size_t, std::size_t, std::size_t, std::size_t>> seen;
  for (const auto& row : rows) {
    RC_ASSERT(row.size() == sizes.size());
    for (std::size_t a = 0; a < row.size(); ++a) {
      RC_ASSERT(row[a] < sizes[a]);
      for (std::size_t b = a + 1; b < row.size(); ++b) seen.insert({a, row[a], b, row[b]});
    }
  }
  std::size_t pairs = 0, product = 1;
  for (std::size_t a = 0; a < sizes.size(); ++a) {
    product *= sizes[a];
    for (std::size_t b = a + 1; b < sizes.size(); ++b) pairs += sizes[a] * sizes[b];
  }
  RC_ASSERT(seen.size() == pairs);
  RC_ASSERT(rows.size() <= std::max<std::size_t>(product, 1));
}

}  // namespace
}  // namespace bnconf::generators
