// A corpus of broken fixtures, each made by damaging a copy of a good one: every defect gives
// one clear error naming the file, the case and the field, the loader never crashes, and the
// other cases of the file still load. Also what cannot be committed (FIFOs, device links, link
// loops) and corruptions of a committed file that crash or hang libhdf5 itself.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>

#include "bnconf/formats/fixture_set.hpp"
#include "bnconf/formats/manifest.hpp"
#include "bnconf/formats/results_file.hpp"

namespace {

namespace fs = std::filesystem;
namespace fmt = bnconf::formats;
namespace cases = bnconf::cases;

// Three committed cases of different operations, written to a fresh file with its manifest.
class BrokenFixture : public ::testing::Test {
 protected:
  static constexpr const char* kVictim = "core.rank_layout.forward_train.2x3x5x4.channels_last.f64";

  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("bnconf-broken-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const auto committed = fmt::load_fixture_set({std::string(BNCONF_FIXTURES_DIR) + "/core.h5"});
    for (const auto& c : committed.cases) {
      if (c.spec.id == kVictim ||
          c.spec.id == "core.rank_layout.backward_eval.4x3x7.channels_first.f64" ||
          c.spec.id == "core.presets.onnx.forward_eval") {
        cases_.push_back(c);
      }
    }
    ASSERT_EQ(cases_.size(), 3u);
    file_ = (dir_ / "core.h5").string();
    fmt::write_fixture_file(file_, {fmt::kSchemaVersion, "test", "none", "core"}, cases_);
    write_manifest();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_manifest() {
    fmt::Manifest manifest{fmt::kManifestSchemaVersion, "test", {}};
    auto& entry = manifest.files["core.h5"];
    entry.sha256 = fmt::file_sha256(file_);
    entry.catalogue_sha256 = "none";
    for (const auto& c : cases_) entry.cases[c.spec.id] = fmt::manifest_entry(c);
    fmt::write_manifest((dir_ / "manifest.json").string(), manifest);
  }

  // Opens the file read-write and hands the victim case's group to `damage`.
  void damage_case(const std::function<void(hid_t)>& damage) {
    const hid_t file = H5Fopen(file_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    const hid_t group = H5Gopen2(file, (std::string("cases/") + kVictim).c_str(), H5P_DEFAULT);
    ASSERT_GE(group, 0);
    damage(group);
    H5Gclose(group);
    H5Fclose(file);
  }

  static void replace_double_attribute(hid_t object, const char* name, double value) {
    H5Adelete(object, name);
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t attribute =
        H5Acreate2(object, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(attribute, H5T_NATIVE_DOUBLE, &value);
    H5Aclose(attribute);
    H5Sclose(space);
  }

  static void replace_dataset(hid_t group, const char* path, hid_t type,
                              std::vector<hsize_t> dims) {
    H5Ldelete(group, path, H5P_DEFAULT);
    const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t dataset =
        H5Dcreate2(group, path, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    std::size_t n = 1;
    for (auto d : dims) n *= d;
    std::vector<double> zeros(n, 0.0);
    H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros.data());
    H5Dclose(dataset);
    H5Sclose(space);
  }

  // Loads the directory; expects exactly one error containing every one of `fragments`, and the
  // two undamaged cases loaded.
  void expect_one_case_error(std::initializer_list<const char*> fragments) {
    const auto set = fmt::load_fixture_set({dir_.string()});
    ASSERT_EQ(set.errors.size(), 1u);
    const std::string message = set.errors[0].to_string();
    EXPECT_NE(message.find(file_), std::string::npos) << message;
    EXPECT_NE(message.find(kVictim), std::string::npos) << message;
    for (const char* fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos) << message;
    EXPECT_EQ(set.cases.size(), 2u) << message;
  }

  void expect_file_error(const std::string& fragment) {
    const auto set = fmt::load_fixture_set({dir_.string()});
    ASSERT_FALSE(set.errors.empty());
    const std::string message = set.errors[0].to_string();
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
    EXPECT_TRUE(set.cases.empty());
  }

  fs::path dir_;
  std::string file_;
  std::vector<cases::Case> cases_;
};

TEST_F(BrokenFixture, IntactCopyLoadsEveryCase) {
  const auto set = fmt::load_fixture_set({dir_.string()});
  EXPECT_TRUE(set.errors.empty());
  EXPECT_EQ(set.cases.size(), 3u);
}

TEST_F(BrokenFixture, MissingDatasetIsNamed) {
  damage_case([](hid_t g) { H5Ldelete(g, "expected/y", H5P_DEFAULT); });
  expect_one_case_error({"expected/y", "missing"});
}

TEST_F(BrokenFixture, WrongShapeIsNamedWithBothShapes) {
  damage_case([](hid_t g) { replace_dataset(g, "inputs/x", H5T_IEEE_F64LE, {2, 3, 5, 5}); });
  expect_one_case_error({"inputs/x", "[2, 3, 5, 4]", "[2, 3, 5, 5]"});
}

TEST_F(BrokenFixture, WrongDtypeIsNamed) {
  damage_case([](hid_t g) { replace_dataset(g, "inputs/x", H5T_IEEE_F32LE, {2, 3, 5, 4}); });
  expect_one_case_error({"inputs/x", "float64"});
}

TEST_F(BrokenFixture, NonFiniteAttributeIsNamed) {
  damage_case([](hid_t g) { replace_double_attribute(g, "eps", std::nan("")); });
  expect_one_case_error({"eps", "finite"});
}

// A valid case's momentum must lie in [0, 1] (only error cases hold any value).
TEST_F(BrokenFixture, MomentumOutsideTheUnitIntervalIsNamed) {
  damage_case([](hid_t g) { replace_double_attribute(g, "momentum", 1.5); });
  expect_one_case_error({"momentum", "[0, 1]", "1.5"});
}

// The optional attributes are checked when present.
TEST_F(BrokenFixture, UnknownViewIsNamed) {
  damage_case([](hid_t g) {
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(g, "view", type, space, H5P_DEFAULT, H5P_DEFAULT);
    const char* value = "sliced";
    H5Awrite(a, type, &value);
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
  });
  expect_one_case_error({"view", "sliced"});
}

TEST_F(BrokenFixture, AbsurdDimensionsAreRejectedBeforeAnyAllocation) {
  damage_case([](hid_t g) {
    H5Adelete(g, "shape");
    const std::vector<long long> huge{1LL << 40, 1LL << 40, 5, 4};
    const hsize_t n = huge.size();
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t a = H5Acreate2(g, "shape", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_LLONG, huge.data());
    H5Aclose(a);
    H5Sclose(space);
  });
  expect_one_case_error({"shape", "absurd"});
}

TEST_F(BrokenFixture, UnknownOperationIsNamed) {
  damage_case([](hid_t g) {
    H5Adelete(g, "operation");
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(g, "operation", type, space, H5P_DEFAULT, H5P_DEFAULT);
    const char* value = "frobnicate";
    H5Awrite(a, type, &value);
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
  });
  expect_one_case_error({"operation", "frobnicate"});
}

TEST_F(BrokenFixture, MissingAttributeIsNamed) {
  damage_case([](hid_t g) { H5Adelete(g, "dtype"); });
  expect_one_case_error({"dtype", "missing"});
}

TEST_F(BrokenFixture, HandEditedValueFailsTheManifestChecksum) {
  damage_case([](hid_t g) {
    const hid_t dataset = H5Dopen2(g, "expected/y", H5P_DEFAULT);
    std::vector<double> values(2 * 3 * 5 * 4);
    H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    values[7] += 1e-6;
    H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    H5Dclose(dataset);
  });
  expect_one_case_error({"manifest", "expected/y", "sha256"});
}

// Rewrites the file's schema_version attribute (the manifest is then made to match the file, so
// that the version is what is wrong).
void set_schema_version(const std::string& path, long long version) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  H5Adelete(file, "schema_version");
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t a =
      H5Acreate2(file, "schema_version", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, H5T_NATIVE_LLONG, &version);
  H5Aclose(a);
  H5Sclose(space);
  H5Fclose(file);
}

TEST_F(BrokenFixture, UnsupportedSchemaVersionIsAFileError) {
  set_schema_version(file_, fmt::kSchemaVersion + 1);
  write_manifest();
  expect_file_error("schema_version should be " + std::to_string(fmt::kSchemaVersion) + " not " +
                    std::to_string(fmt::kSchemaVersion + 1));
}

// Schema v1 files (one digest of the whole catalogue) are refused with the way out.
TEST_F(BrokenFixture, OlderSchemaVersionIsAFileErrorThatSaysRegenerate) {
  set_schema_version(file_, 1);
  write_manifest();
  expect_file_error("schema_version 1 is an older fixture format");
  expect_file_error("regenerate the fixtures with bnconf gen");
}

TEST_F(BrokenFixture, TruncatedFileIsAFileError) {
  const auto size = fs::file_size(file_);
  fs::resize_file(file_, size / 2);
  expect_file_error("core.h5");
}

TEST_F(BrokenFixture, GarbageFileIsAFileError) {
  std::ofstream(file_, std::ios::trunc) << "not an HDF5 file";
  expect_file_error("not a readable HDF5 file");
}

TEST_F(BrokenFixture, MissingManifestIsReported) {
  fs::remove(dir_ / "manifest.json");
  expect_file_error("manifest.json");
}

TEST_F(BrokenFixture, FileMissingFromTheManifestIsReported) {
  fs::copy_file(file_, dir_ / "extra.h5");
  const auto set = fmt::load_fixture_set({dir_.string()});
  ASSERT_EQ(set.errors.size(), 1u);
  EXPECT_NE(set.errors[0].to_string().find("extra.h5: is not listed in manifest.json"),
            std::string::npos);
  EXPECT_EQ(set.cases.size(), 3u);
}

// Before issue 13 the loader hashed the file first (std::ifstream): opening a FIFO waited for a
// writer forever.
TEST_F(BrokenFixture, FifoNamedLikeAFixtureIsRefusedWithoutWaiting) {
  fs::remove(file_);
  ASSERT_EQ(::mkfifo(file_.c_str(), 0600), 0);
  const auto start = std::chrono::steady_clock::now();
  expect_file_error("is a FIFO, not a regular file");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5);
}

// Before: hashing read /dev/zero without end.
TEST_F(BrokenFixture, LinkToADeviceIsRefused) {
  fs::remove(file_);
  fs::create_symlink("/dev/zero", file_);
  expect_file_error("is a character device, not a regular file");
}

// Before: std::filesystem threw out of the loader, before any report existed.
TEST_F(BrokenFixture, SymbolicLinkLoopIsAnErrorNamingTheFile) {
  fs::remove(file_);
  fs::create_symlink(file_, file_);
  expect_file_error("cannot be opened: Too many levels of symbolic links");
}

// A copy of the committed errors.h5 beside the committed manifest, with one byte flipped.
class CorruptCommittedFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("bnconf-corrupt-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::copy_file(std::string(BNCONF_FIXTURES_DIR) + "/manifest.json", dir_ / "manifest.json");
    file_ = (dir_ / "errors.h5").string();
    fs::copy_file(std::string(BNCONF_FIXTURES_DIR) + "/errors.h5", file_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void flip(std::streamoff offset) {
    std::fstream f(file_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(offset);
    const char byte = static_cast<char>(f.get() ^ 0xFF);
    f.seekp(offset);
    f.put(byte);
  }
  fs::path dir_;
  std::string file_;
};

// Before: libhdf5 1.10 read the corrupt global-heap length in this process and crashed it
// (issue 13). Now the file, whose digest is not the manifest's, is parsed in a child.
TEST_F(CorruptCommittedFile, ByteThatCrashesLibhdf5IsAFileErrorNotACrash) {
  flip(2231);
  const auto set = fmt::load_fixture_set({file_});
  ASSERT_EQ(set.errors.size(), 1u);
  const std::string message = set.errors[0].to_string();
  EXPECT_NE(message.find(file_ + ": the HDF5 parser failed: "), std::string::npos) << message;
  EXPECT_TRUE(set.cases.empty());
}

// The committed set itself loads without an error, parsed in this process (whole-file digests
// match) or not.
TEST(CommittedSet, LoadsWithoutErrors) {
  const auto set = fmt::load_fixture_set({BNCONF_FIXTURES_DIR});
  for (const auto& e : set.errors) ADD_FAILURE() << e.to_string();
  EXPECT_GE(set.cases.size(), 300u);
}

// Results files: the optional per-case "unchecked" list and its reason survive the round trip.
TEST(ResultsFile, UncheckedOutputsAndTheirReasonRoundTrip) {
  const fs::path path =
      fs::temp_directory_path() / ("bnconf-results-" + std::to_string(::getpid()) + ".h5");
  fmt::ResultsFile results{"producer", "1", {}, {}};
  auto& entry = results.cases["core.x"];
  entry.outputs["y"] = {{2}, {1.0, 2.0}};
  entry.unchecked = {"running_mean", "running_var"};
  entry.unchecked_reason = "the framework keeps no running statistics";
  fmt::write_results_file(path.string(), results);
  const fmt::ResultsFile back = fmt::read_results_file(path.string());
  ASSERT_TRUE(back.errors.empty()) << back.errors.front();
  ASSERT_EQ(back.cases.count("core.x"), 1u);
  EXPECT_EQ(back.cases.at("core.x").unchecked, entry.unchecked);
  EXPECT_EQ(back.cases.at("core.x").unchecked_reason, entry.unchecked_reason);
  EXPECT_EQ(back.cases.at("core.x").outputs, entry.outputs);
  fs::remove(path);
}

}  // namespace
