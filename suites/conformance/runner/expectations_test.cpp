// Expected failures (--expect): a malformed file is refused naming the entry and field; a failure
// an entry explains carries the explanation and no longer counts as unexplained; an entry whose
// selected cases all pass is reported stale.
#include "bnconf/conformance/expectations.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "bnconf/conformance/runner.hpp"

namespace {

namespace conf = bnconf::conformance;
using conf::CaseStatus;

std::string write_file(const std::string& stem, const std::string& text) {
  const auto path = std::filesystem::path(testing::TempDir()) /
                    (stem + "." + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << text;
  return path.string();
}

std::string error_reading(const std::string& text) {
  try {
    conf::read_expectations(write_file("expect-bad", text));
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Expectations, MalformedFilesAreRefusedNamingTheEntryAndField) {
  EXPECT_NE(error_reading("{").find("not JSON"), std::string::npos);
  EXPECT_NE(error_reading("{\"backend\": \"x\"}").find("\"expected_failures\" array"),
            std::string::npos);
  const std::string missing_reason = error_reading(
      R"({"expected_failures": [{"cases": "a.*", "kind": "convention", "reason": "r"},
                                {"cases": "b.*", "kind": "convention"}]})");
  EXPECT_NE(missing_reason.find("expected_failures[1]"), std::string::npos) << missing_reason;
  EXPECT_NE(missing_reason.find("\"reason\""), std::string::npos) << missing_reason;
  const std::string bad_kind =
      error_reading(R"({"expected_failures": [{"cases": "a.*", "kind": "flaky", "reason": "r"}]})");
  EXPECT_NE(bad_kind.find("kind \"flaky\""), std::string::npos) << bad_kind;
}

TEST(Expectations, FirstEntryWhosePatternsMatchExplainsTheCase) {
  const auto e = conf::read_expectations(write_file("expect-match", R"({"expected_failures": [
      {"cases": "core.x.*:ieee.nan_*", "kind": "backend bug", "reason": "first",
       "issue": "https://example.org/1"},
      {"cases": "core.*", "kind": "precision", "reason": "second"}]})"));
  ASSERT_NE(e.match("ieee.nan_y"), nullptr);
  EXPECT_EQ(e.match("ieee.nan_y")->explanation(), "backend bug: first (https://example.org/1)");
  EXPECT_EQ(e.match("core.x.f32")->reason, "first");
  EXPECT_EQ(e.match("core.y.f32")->reason, "second");
  EXPECT_EQ(e.match("stress.z"), nullptr);
}

TEST(Expectations, VersionPrefixesLimitAnEntryToTheReleasesItConcerns) {
  const std::string path = write_file("expect-versions", R"({"expected_failures": [
      {"cases": "a.*", "kind": "backend bug", "reason": "fixed in 2.0", "versions": ["1."]},
      {"cases": "b.*", "kind": "convention", "reason": "always"}]})");
  EXPECT_NE(conf::read_expectations(path, "1.13.0").match("a.x"), nullptr);
  EXPECT_EQ(conf::read_expectations(path, "2.5.1").match("a.x"), nullptr);
  EXPECT_NE(conf::read_expectations(path, "2.5.1").match("b.x"), nullptr);
  EXPECT_NE(error_reading(R"({"expected_failures": [
      {"cases": "a.*", "kind": "convention", "reason": "r", "versions": []}]})")
                .find("\"versions\""),
            std::string::npos);
}

conf::Report run_with_expectations(const std::string& backend, const std::string& expect_json) {
  conf::RunOptions options;
  options.filter = "core.dtypes.f32.*";  // one case per operation
  options.expectations_path = write_file("expect-run", expect_json);
  return conf::run_backend(conf::Backend::open(backend), options);
}

TEST(Expectations, ExplainedFailuresStayFailuresButAreNotUnexplained) {
  // The NaN-everywhere plug-in fails every case it runs.
  const conf::Report report = run_with_expectations(BNCONF_NAN_PLUGIN, R"({"expected_failures": [
      {"cases": "core.dtypes.f32.forward_*", "kind": "backend bug", "reason": "returns NaN"}]})");
  std::size_t failing = 0, explained = 0;
  for (const auto& r : report.results()) {
    if (r.status == CaseStatus::pass || r.status == CaseStatus::unsupported) continue;
    ++failing;
    const bool forward = r.id.rfind("core.dtypes.f32.forward_", 0) == 0;
    EXPECT_EQ(!r.expected_failure.empty(), forward) << r.id;
    if (forward) {
      ++explained;
      EXPECT_EQ(r.expected_failure, "backend bug: returns NaN");
    }
  }
  EXPECT_EQ(failing, 4u);
  EXPECT_EQ(explained, 2u);
  EXPECT_EQ(report.expected_failure_count(), 2u);
  EXPECT_EQ(report.unexplained_count(), 2u);
  EXPECT_TRUE(report.info().stale_expectations.empty());
  EXPECT_NE(report.count_line().find("(expected failures:2 unexplained:2)"), std::string::npos)
      << report.count_line();
}

TEST(Expectations, AnEntryWhoseCasesAllPassIsStale) {
  const conf::Report report = run_with_expectations("cpu-f32", R"({"expected_failures": [
      {"cases": "core.dtypes.f32.backward_*", "kind": "precision", "reason": "was wrong"}]})");
  EXPECT_EQ(report.unexplained_count(), 0u);
  ASSERT_EQ(report.info().stale_expectations.size(), 1u);
  EXPECT_NE(report.info().stale_expectations[0].find("core.dtypes.f32.backward_*"),
            std::string::npos);
  EXPECT_NE(report.info().stale_expectations[0].find("matched 2 selected cases"), std::string::npos)
      << report.info().stale_expectations[0];
  EXPECT_NE(report.terminal_summary().find("STALE EXPECTATION"), std::string::npos);
}

}  // namespace
