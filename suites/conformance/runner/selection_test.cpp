// Case selection: gtest-style filters, tiers and shards.
#include <gtest/gtest.h>

#include <set>

#include "bnconf/conformance/runner.hpp"

namespace {

using namespace bnconf::conformance;

TEST(Filter, PositiveAndNegativePatternsWithWildcards) {
  EXPECT_TRUE(filter_matches("", "core.a.b"));
  EXPECT_TRUE(filter_matches("core.*", "core.a.b"));
  EXPECT_FALSE(filter_matches("core.*", "stress.a"));
  EXPECT_TRUE(filter_matches("stress.*:core.a.?", "core.a.b"));
  EXPECT_FALSE(filter_matches("core.*-*.b", "core.a.b"));
  EXPECT_TRUE(filter_matches("-*.bf16", "core.a.f32"));
  EXPECT_FALSE(filter_matches("-*.bf16", "core.a.bf16"));
}

bnconf::formats::FixtureSet fake_set() {
  bnconf::formats::FixtureSet set;
  for (const char* tier : {"core", "stress", "errors"}) {
    for (int i = 0; i < 10; ++i) {
      bnconf::cases::Case c;
      c.spec.tier = tier;
      c.spec.id = std::string(tier) + ".case" + std::to_string(i);
      set.cases.push_back(c);
    }
  }
  return set;
}

TEST(Selection, ShardsPartitionTheSelectedCases) {
  const auto set = fake_set();
  std::multiset<std::string> seen;
  for (std::size_t shard = 0; shard < 4; ++shard) {
    RunOptions options;
    options.shard_index = shard;
    options.shard_count = 4;
    for (const auto* c : select_cases(set, options)) seen.insert(c->spec.id);
  }
  EXPECT_EQ(seen.size(), 30u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 30u);
}

TEST(Selection, TiersAndFilterCombine) {
  const auto set = fake_set();
  RunOptions options;
  options.tiers = {"core", "errors"};
  options.filter = "*.case1*:*.case2";
  std::set<std::string> ids;
  for (const auto* c : select_cases(set, options)) ids.insert(c->spec.id);
  EXPECT_EQ(ids,
            (std::set<std::string>{"core.case1", "core.case2", "errors.case1", "errors.case2"}));
}

}  // namespace
