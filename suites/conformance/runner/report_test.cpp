// Reports: the JSON carries the contract's fields and stays valid after every case; JUnit and
// the count line agree with it.
#include "bnconf/conformance/report.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bnconf/conformance/report_formats.hpp"

namespace {

using namespace bnconf::conformance;
namespace fs = std::filesystem;

CaseResult result(const char* id, CaseStatus status) {
  CaseResult r;
  r.id = id;
  r.tier = "core";
  r.operation = "forward_train";
  r.dtype = "f32";
  r.layout = "channels_first";
  r.status = status;
  if (status == CaseStatus::fail) {
    r.message = "out of bound: y";
    r.outputs.push_back(
        {"y", 24, 3, false, 0.5, 1e-6, "[1, 2, 3]", 0.25, 0.75, "error above bound"});
  }
  return r;
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(Report, JsonIsValidAfterEveryCaseAndCompleteAtTheEnd) {
  const fs::path dir = fs::temp_directory_path() / ("bnconf-report-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path json = dir / "r.json", junit = dir / "r.xml";
  Report report({"mine", "1.2", "./libmine.so", {"fixtures"}, 3, {}},
                {{"json", json.string()}, {"junit", junit.string()}});
  EXPECT_EQ(read_json(json)["complete"], false);
  report.add(result("core.a", CaseStatus::pass));
  report.add(result("core.b", CaseStatus::fail));
  auto partial = read_json(json);
  EXPECT_EQ(partial["complete"], false);
  EXPECT_EQ(partial["cases"].size(), 2u);
  report.add(result("core.c", CaseStatus::crash));
  report.finish();
  const auto j = read_json(json);
  EXPECT_EQ(j["complete"], true);
  EXPECT_EQ(j["backend"]["name"], "mine");
  EXPECT_EQ(j["backend"]["version"], "1.2");
  for (const char* status :
       {"pass", "fail", "unsupported", "crash", "timeout", "backend_error", "internal_error"}) {
    EXPECT_TRUE(j["summary"].contains(status)) << status;
  }
  EXPECT_EQ(j["summary"]["fail"], 1);
  const auto& failed = j["cases"][1];
  EXPECT_EQ(failed["id"], "core.b");
  EXPECT_EQ(failed["tier"], "core");
  EXPECT_EQ(failed["status"], "fail");
  EXPECT_EQ(failed["outputs"][0]["name"], "y");
  EXPECT_EQ(failed["outputs"][0]["worst_index"], "[1, 2, 3]");
  EXPECT_EQ(failed["outputs"][0]["expected"], 0.25);
  EXPECT_EQ(failed["outputs"][0]["actual"], 0.75);
  EXPECT_EQ(failed["outputs"][0]["bound"], 1e-6);
  std::ifstream xml(junit);
  const std::string text((std::istreambuf_iterator<char>(xml)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("tests=\"3\" failures=\"1\" errors=\"1\""), std::string::npos) << text;
  // The contract's count line, extended (never reordered) by internal_error and resource_limit.
  EXPECT_EQ(report.count_line(),
            "tests:3 pass:1 fail:1 unsupported:0 crash:1 timeout:0 backend_error:0 "
            "internal_error:0 resource_limit:0");
  fs::remove_all(dir);
}

TEST(Report, TerminalSummaryExplainsEachFailureWithItsWorstElement) {
  Report report({"mine", "1", "x", {}, 2, {}});
  report.add(result("core.b", CaseStatus::fail));
  const std::string text = report.terminal_summary();
  EXPECT_NE(text.find("core.b"), std::string::npos);
  EXPECT_NE(text.find("worst element [1, 2, 3]: expected 0.25, actual 0.75"), std::string::npos)
      << text;
  EXPECT_NE(text.find("bound 1e-06"), std::string::npos) << text;
}

}  // namespace

namespace {

TEST(ReportFormats, EachFormatHasAWriterAndUnknownOnesAreRefused) {
  for (const auto& format : bnconf::conformance::report_formats()) {
    EXPECT_NE(format.render, nullptr) << format.name;
    EXPECT_EQ(bnconf::conformance::find_report_format(format.name), &format);
  }
  EXPECT_THROW(bnconf::conformance::Report({"mine", "1", "x", {}, 0, {}}, {{"html5", "/tmp/x"}}),
               std::invalid_argument);
}

}  // namespace
