// The catalogue's pairwise groups (docs/fixture-format.md, "Pairwise axes"): every pair of values
// of every two axes occurs in some case of the committed core `pairwise` group, in far fewer cases
// than the product of its axes.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "bnconf/generators/catalogue.hpp"
#include "bnconf/reference/spec.hpp"

namespace {

namespace gen = bnconf::generators;
namespace ref = bnconf::reference;

// The value each axis of the group took in a case, as text, in the group's axis order.
std::vector<std::string> axis_values(const bnconf::cases::CaseSpec& c) {
  std::string shape;
  for (const std::size_t n : c.shape) shape += (shape.empty() ? "" : "x") + std::to_string(n);
  return {std::string(to_string(c.operation)),
          std::string(bnconf::ieee::to_string(c.dtype)),
          shape,
          std::string(ref::to_string(c.layout)),
          c.spec.preset,
          c.spec.affine ? "affine" : "no_affine",
          c.spec.track_running_stats ? "tracked" : "untracked",
          c.spec.momentum ? ref::shortest_decimal(*c.spec.momentum) : "none",
          std::string(to_string(c.view))};
}

TEST(PairwiseGroup, EveryPairOfValuesOfEveryTwoAxesOccurs) {
  const std::string path = gen::default_catalogue_path();
  std::ifstream in(path);
  const auto json = nlohmann::ordered_json::parse(in);
  nlohmann::ordered_json axes;
  for (const auto& group : json.at("groups")) {
    if (group.at("name") == "pairwise") axes = group.at("pairwise");
  }
  ASSERT_EQ(axes.size(), 9u) << "the test knows the group's nine axes";
  std::vector<std::string> keys;
  std::size_t product = 1;
  for (const auto& [key, values] : axes.items()) {
    keys.push_back(key);
    product *= values.size();
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"operation", "dtype", "shape", "layout", "preset",
                                            "affine", "track_running_stats", "momentum",
                                            "view"}));

  std::vector<std::vector<std::string>> rows;
  for (const auto& entry : gen::load_catalogue(path).entries) {
    if (entry.spec.id.rfind("core.pairwise.", 0) == 0) rows.push_back(axis_values(entry.spec));
  }
  ASSERT_FALSE(rows.empty());
  EXPECT_LT(rows.size() * 100, product);
  for (std::size_t a = 0; a < keys.size(); ++a) {
    std::set<std::string> seen_a;
    for (const auto& row : rows) seen_a.insert(row[a]);
    EXPECT_EQ(seen_a.size(), axes[keys[a]].size()) << keys[a];
    for (std::size_t b = a + 1; b < keys.size(); ++b) {
      std::set<std::pair<std::string, std::string>> pairs;
      for (const auto& row : rows) pairs.insert({row[a], row[b]});
      EXPECT_EQ(pairs.size(), axes[keys[a]].size() * axes[keys[b]].size())
          << keys[a] << " x " << keys[b];
    }
  }
}

}  // namespace
