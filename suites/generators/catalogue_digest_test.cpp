// The catalogue digest of a tier (catalogue_sha256, docs/fixture-format.md "Catalogue digests")
// depends on that tier's cases only: the catalogue is copied, one case of one tier changed, added
// or written differently, and the digest of every tier compared with the original's.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "bnconf/generators/catalogue.hpp"

namespace {

namespace fs = std::filesystem;
namespace gen = bnconf::generators;
using Json = nlohmann::ordered_json;

Json original() {
  std::ifstream in(gen::default_catalogue_path());
  return Json::parse(in);
}

// Digest of each tier: of its committed cases (as gen writes them), and of all its cases.
std::map<std::string, std::string> digests(const gen::Catalogue& catalogue, bool on_demand) {
  std::map<std::string, std::vector<const gen::CatalogueEntry*>> tiers;
  for (const auto& entry : catalogue.entries) {
    if (on_demand || !entry.on_demand) tiers[entry.spec.tier].push_back(&entry);
  }
  std::map<std::string, std::string> out;
  for (const auto& [tier, entries] : tiers) out[tier] = gen::catalogue_sha256(entries);
  return out;
}

// The catalogue with `edit` applied, loaded from a file of its own.
gen::Catalogue edited(const std::function<void(Json&)>& edit) {
  Json json = original();
  edit(json);
  const fs::path path =
      fs::temp_directory_path() / ("bnconf-digest-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << json.dump(1);
  gen::Catalogue catalogue = gen::load_catalogue(path.string());
  fs::remove(path);
  return catalogue;
}

Json& group(Json& catalogue, const std::string& tier, const std::string& name) {
  for (auto& g : catalogue["groups"]) {
    if (g["tier"] == tier && g["name"] == name) return g;
  }
  throw std::runtime_error("no group " + tier + "." + name + " in the catalogue");
}

// The tiers whose digest differs between `a` and `b` (all of them compared).
std::vector<std::string> changed(const std::map<std::string, std::string>& a,
                                 const std::map<std::string, std::string>& b) {
  EXPECT_EQ(a.size(), b.size());
  std::vector<std::string> tiers;
  for (const auto& [tier, digest] : a) {
    if (!b.count(tier) || b.at(tier) != digest) tiers.push_back(tier);
  }
  return tiers;
}

const gen::Catalogue& unchanged() {
  static const gen::Catalogue c = gen::load_catalogue(gen::default_catalogue_path());
  return c;
}

using Tiers = std::vector<std::string>;

TEST(CatalogueDigest, IsADigestOfEachTier) {
  const auto d = digests(unchanged(), false);
  EXPECT_EQ(d.size(), 4u);
  for (const auto& [tier, digest] : d) {
    EXPECT_EQ(digest.size(), 64u) << tier;
    EXPECT_EQ(digest.find_first_not_of("0123456789abcdef"), std::string::npos) << tier;
  }
  // Four different digests: each made of its own tier's cases.
  EXPECT_NE(d.at("core"), d.at("errors"));
  EXPECT_NE(d.at("ieee"), d.at("stress"));
}

TEST(CatalogueDigest, ChangingOneCaseChangesOnlyItsTiersDigest) {
  const auto perturbed = edited([](Json& c) {
    Json& entry = group(c, "errors", "invalid")["cases"][0];
    entry["shape"] = Json::array({5});
  });
  EXPECT_EQ(changed(digests(unchanged(), false), digests(perturbed, false)), Tiers{"errors"});
}

TEST(CatalogueDigest, AddingACaseChangesOnlyItsTiersDigest) {
  const auto perturbed = edited([](Json& c) {
    Json& cases = group(c, "ieee", "special_values")["cases"];
    Json added = cases[0];
    added["name"] = "added_by_a_test";
    cases.push_back(added);
  });
  EXPECT_EQ(changed(digests(unchanged(), false), digests(perturbed, false)), Tiers{"ieee"});
}

// A group's tags and description are part of every case of it.
TEST(CatalogueDigest, AGroupsDescriptionIsPartOfItsCases) {
  const auto perturbed =
      edited([](Json& c) { group(c, "core", "presets")["description"] = "said otherwise"; });
  EXPECT_EQ(changed(digests(unchanged(), false), digests(perturbed, false)), Tiers{"core"});
}

// An on-demand group is not in the committed file, so changing it changes no committed digest.
TEST(CatalogueDigest, AnOnDemandCaseChangesOnlyTheDigestOfTheFileThatHoldsIt) {
  const auto perturbed = edited([](Json& c) {
    Json& g = group(c, "stress", "large");
    ASSERT_TRUE(g.value("on_demand", false));
    g["cases"][0]["name"] = "renamed_by_a_test";
  });
  EXPECT_EQ(changed(digests(unchanged(), false), digests(perturbed, false)), Tiers{});
  EXPECT_EQ(changed(digests(unchanged(), true), digests(perturbed, true)), Tiers{"stress"});
}

// Writing the same catalogue differently (key order, layout of the file) changes nothing.
TEST(CatalogueDigest, KeyOrderAndLayoutOfTheFileDoNotMatter) {
  const auto reordered = edited([](Json& c) {
    for (auto& g : c["groups"]) {
      Json reversed = Json::object();
      for (auto it = g.rbegin(); it != g.rend(); ++it) reversed[it.key()] = it.value();
      g = reversed;
    }
  });
  EXPECT_EQ(changed(digests(unchanged(), true), digests(reordered, true)), Tiers{});
}

}  // namespace
