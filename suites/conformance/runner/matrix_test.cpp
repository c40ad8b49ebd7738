// The conformance matrix is generated from JSON reports: counts per backend, dtype and tier agree
// with the reports; every case that did not pass is listed with its worst element and its
// explanation, or marked UNEXPLAINED; unsupported reasons are counted; a file that is not a
// report is refused by name.
#include "bnconf/conformance/matrix.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "bnconf/conformance/report.hpp"

namespace {

namespace conf = bnconf::conformance;
using conf::CaseStatus;

std::string temp_path(const std::string& name) {
  return (std::filesystem::path(testing::TempDir()) / (name + "." + std::to_string(::getpid())))
      .string();
}

conf::CaseResult result(const std::string& id, const std::string& tier, const std::string& dtype,
                        CaseStatus status) {
  conf::CaseResult r;
  r.id = id;
  r.tier = tier;
  r.dtype = dtype;
  r.layout = "channels_first";
  r.operation = "forward_train";
  r.status = status;
  r.seconds = 0.25;
  return r;
}

std::string write_report(const std::string& name, const std::string& backend,
                         const std::vector<conf::CaseResult>& results) {
  const std::string path = temp_path(name + ".json");
  conf::RunInfo info;
  info.backend_name = backend;
  info.backend_version = "9.9";
  info.backend_origin = "/x/libbnconf_backend_" + backend + ".so";
  conf::Report report(info, {{"json", path}});
  for (const auto& r : results) report.add(r);
  report.finish();
  return path;
}

TEST(Matrix, CountsFailuresAndExplanationsComeFromTheReports) {
  auto wrong_y = result("core.a.f32", "core", "f32", CaseStatus::fail);
  wrong_y.outputs.push_back(
      {"y", 60, 12, false, 3.5e-5, 2.5e-7, "[0, 1, 2]", 0.5, 0.500035, "error above bound", 60,
       {}});
  wrong_y.expected_failure = "precision: accumulates in bf16";
  auto crashed = result("ieee.b.bf16", "ieee", "bf16", CaseStatus::crash);
  crashed.message = "killed by signal 11";
  auto declined = result("core.c.f64", "core", "f64", CaseStatus::unsupported);
  declined.message = "backend does not declare dtype f64";
  const std::string first = write_report(
      "first", "alpha", {result("core.p.f32", "core", "f32", CaseStatus::pass), wrong_y, declined});
  const std::string second = write_report("second", "beta", {crashed});
  const std::string notes = temp_path("notes.md");
  std::ofstream(notes) << "## Notes\n\nAlpha was run without a GPU.\n";

  const std::string md = conf::conformance_matrix_markdown({{first, second}, notes});
  // Summary: cases, pass, fail, explained, unsupported, run time (3 x 0.25 s).
  EXPECT_NE(md.find("| alpha | 9.9 | plug-in, in process | 3 | 1 | 1 | 1 | 1 | 0.8 s |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| beta | 9.9 | plug-in, in process | 1 | 0 | 1 | 0 | 0 | 0.2 s |"),
            std::string::npos)
      << md;
  // dtype x tier cells: pass / fail / unsupported.
  EXPECT_NE(md.find("| alpha | 9.9 | f64 | 0 / 0 / 1 |  |  |  |"), std::string::npos) << md;
  EXPECT_NE(md.find("| alpha | 9.9 | f32 | 1 / 1 / 0 |  |  |  |"), std::string::npos) << md;
  EXPECT_NE(md.find("| beta | 9.9 | bf16 |  |  | 0 / 1 / 0 |  |"), std::string::npos) << md;
  // Each case that did not pass, with its worst element and explanation.
  EXPECT_NE(md.find("| `core.a.f32` | f32 | channels_first | fail | y: error 3.5e-05 > bound "
                    "2.5e-07 at [0, 1, 2] (expected 0.5, actual 0.5; 12 of 60 elements) | "
                    "precision: accumulates in bf16 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| `ieee.b.bf16` | bf16 | channels_first | crash | killed by signal 11 | "
                    "**UNEXPLAINED** |"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("core.p.f32"), std::string::npos) << "passing cases are not listed";
  EXPECT_NE(md.find("| alpha 9.9 | 1 | backend does not declare dtype f64 |"), std::string::npos);
  EXPECT_NE(md.find("Alpha was run without a GPU."), std::string::npos);
}

TEST(Matrix, AFileThatIsNotAReportIsRefusedByName) {
  const std::string path = temp_path("not-a-report.json");
  std::ofstream(path) << "{\"cases\": []}";
  try {
    conf::conformance_matrix_markdown({{path}, ""});
    FAIL() << "accepted " << path;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a bnconf report"), std::string::npos) << e.what();
  }
}

}  // namespace
