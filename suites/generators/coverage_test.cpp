// The input-space model against the catalogue (docs/coverage.md): every class covered in every
// operation it applies to, and the covering arrays of the pairwise groups really meet every pair.
#include "bnconf/generators/coverage.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>

#include "bnconf/generators/catalogue.hpp"
#include "bnconf/generators/covering_array.hpp"

namespace bnconf::generators {
namespace {

const Catalogue& catalogue() {
  static const Catalogue c = load_catalogue(default_catalogue_path());
  return c;
}

TEST(Coverage, TheCatalogueCoversEveryClassInEveryOperationItAppliesTo) {
  std::size_t cells = 0;
  for (const auto& row : coverage_of(catalogue())) {
    for (const auto& cell : row.cells) {
      ++cells;
      EXPECT_FALSE(cell.case_ids.empty())
          << row.coverage_class->axis << " = " << row.coverage_class->name << " in "
          << cases::to_string(cell.operation);
    }
  }
  EXPECT_GT(cells, 400u);
}

TEST(Coverage, EveryClassHasAMeaningAnOperationAndAUniqueName) {
  std::set<std::pair<std::string, std::string>> names;
  for (const auto& c : coverage_model()) {
    EXPECT_FALSE(c.meaning.empty()) << c.axis << " " << c.name;
    EXPECT_FALSE(c.operations.empty()) << c.axis << " " << c.name;
    EXPECT_TRUE(names.insert({c.axis, c.name}).second) << c.axis << " " << c.name;
  }
}

// A class covered only by an on-demand entry is not covered by the committed set.
TEST(Coverage, OnDemandCasesCoverOnlyOnDemandClasses) {
  Catalogue only_on_demand;
  for (const auto& e : catalogue().entries) {
    if (e.on_demand) only_on_demand.entries.push_back(e);
  }
  ASSERT_FALSE(only_on_demand.entries.empty());
  for (const auto& row : coverage_of(only_on_demand)) {
    if (row.coverage_class->on_demand) continue;
    for (const auto& cell : row.cells) {
      EXPECT_TRUE(cell.case_ids.empty()) << row.coverage_class->name;
    }
  }
}

TEST(PairwiseRows, SameSizesGiveTheSameRowsAndFarFewerThanTheProduct) {
  const std::vector<std::size_t> sizes{4, 4, 4, 2, 5, 2, 2, 2, 2};  // the catalogue's group
  EXPECT_EQ(pairwise_rows(sizes), pairwise_rows(sizes));
  EXPECT_LT(pairwise_rows(sizes).size(), 40u);  // of 10240 combinations
  EXPECT_THROW(pairwise_rows({3, 0}), std::invalid_argument);
}

}  // namespace
}  // namespace bnconf::generators
