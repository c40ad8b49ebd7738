// Two fresh generations of the whole committed set are byte-identical, `check` names the case and
// dataset of any difference, and a case added to one tier of the catalogue rewrites that tier's
// file and manifest entry and nothing else.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "bnconf/formats/manifest.hpp"
#include "bnconf/generators/catalogue.hpp"
#include "bnconf/generators/generate.hpp"

namespace {

namespace fs = std::filesystem;

fs::path scratch(const char* name) {
  const fs::path dir =
      fs::temp_directory_path() / ("bnconf-gen-" + std::to_string(::getpid()) + name);
  fs::remove_all(dir);
  return dir;
}

TEST(Generation, TwoGenerationsAreByteIdentical) {
  const auto first = scratch("a");
  const auto second = scratch("b");
  const auto summary = bnconf::generators::generate({}, first.string());
  bnconf::generators::generate({}, second.string());
  EXPECT_GE(summary.cases, 150u);
  for (const auto& entry : fs::directory_iterator(first)) {
    const fs::path twin = second / entry.path().filename();
    ASSERT_TRUE(fs::exists(twin)) << twin;
    EXPECT_EQ(bnconf::formats::file_sha256(entry.path().string()),
              bnconf::formats::file_sha256(twin.string()))
        << entry.path().filename();
  }
  fs::remove_all(first);
  fs::remove_all(second);
}

TEST(Generation, CheckNamesTheCaseAndDatasetThatDiffer) {
  const auto dir = scratch("c");
  bnconf::generators::generate({{}, {"errors"}, false}, dir.string());
  EXPECT_TRUE(bnconf::generators::check({{}, {"errors"}, false}, dir.string()).identical());
  // Damage one input value of one case.
  const std::string file = (dir / "errors.h5").string();
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  const hid_t d = H5Dopen2(f, "cases/errors.invalid.negative_eps/inputs/x", H5P_DEFAULT);
  std::vector<double> values(4 * 3 * 5);
  H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  values[3] = 42.0;
  H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Dclose(d);
  H5Fclose(f);
  const auto report = bnconf::generators::check({{}, {"errors"}, false}, dir.string());
  ASSERT_EQ(report.differences.size(), 1u);
  EXPECT_NE(
      report.differences[0].find("errors.invalid.negative_eps: inputs/x: 1 of 60 values differ"),
      std::string::npos)
      << report.differences[0];
  fs::remove_all(dir);
}

// The seam is the generator's own --catalogue option: the committed catalogue and a copy of it
// with one case more in the ieee tier, each generated into a directory of its own.
TEST(Generation, ACaseAddedToOneTierRewritesOnlyThatTiersFileAndManifestEntry) {
  const auto before = scratch("before");
  const auto after = scratch("after");
  const fs::path catalogue = scratch("catalogue.json");
  nlohmann::ordered_json json;
  std::ifstream(bnconf::generators::default_catalogue_path()) >> json;
  std::size_t added_cases = 0;  // one entry more: a case for each combination of the product axes
  for (auto& group : json["groups"]) {
    if (group["tier"] == "ieee" && group["name"] == "special_values") {
      nlohmann::ordered_json added = group["cases"][0];
      added["name"] = "added_by_a_test";
      group["cases"].push_back(added);
      added_cases = 1;
      for (const auto& [axis, values] : group["product"].items()) added_cases *= values.size();
    }
  }
  ASSERT_GT(added_cases, 0u);
  std::ofstream(catalogue) << json.dump(1);
  bnconf::generators::generate({}, before.string());
  bnconf::generators::generate({catalogue.string(), {}, false}, after.string());

  std::set<std::string> rewritten;  // in name order
  for (const auto& entry : fs::directory_iterator(before)) {
    const std::string name = entry.path().filename().string();
    if (bnconf::formats::file_sha256(entry.path().string()) !=
        bnconf::formats::file_sha256((after / name).string())) {
      rewritten.insert(name);
    }
  }
  EXPECT_EQ(rewritten, (std::set<std::string>{"ieee.h5", "manifest.json"}));

  const auto old_manifest = bnconf::formats::read_manifest((before / "manifest.json").string());
  const auto new_manifest = bnconf::formats::read_manifest((after / "manifest.json").string());
  ASSERT_EQ(old_manifest.files.size(), new_manifest.files.size());
  for (const auto& [name, file] : old_manifest.files) {
    const auto& twin = new_manifest.files.at(name);
    const bool expected_to_change = name == "ieee.h5";
    EXPECT_EQ(file.catalogue_sha256 != twin.catalogue_sha256, expected_to_change) << name;
    EXPECT_EQ(file.sha256 != twin.sha256, expected_to_change) << name;
    EXPECT_EQ(file.cases.size() + (expected_to_change ? added_cases : 0), twin.cases.size())
        << name;
    // Every case of the old file is in the new one, with the same digests.
    for (const auto& [id, c] : file.cases) {
      ASSERT_TRUE(twin.cases.count(id)) << id;
      EXPECT_EQ(c.attributes_sha256, twin.cases.at(id).attributes_sha256) << id;
      EXPECT_EQ(c.datasets, twin.cases.at(id).datasets) << id;
    }
  }
  fs::remove_all(before);
  fs::remove_all(after);
  fs::remove(catalogue);
}

}  // namespace
