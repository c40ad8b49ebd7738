// The HTML report (conformance/src/html_report.cpp) from hand-made results: a failed output gets
// a plot and a table of its worst elements and a passed one neither; unexplained failures come
// before explained ones; the banner says the exit status once the command recorded it, and how
// far an unfinished run got; a run failing hundreds of cases shows the first 200 in detail and
// says how many it left out (docs/adapter-guide.md, "Reading the verdict").
#include <gtest/gtest.h>

#include <string>

#include "bnconf/conformance/report.hpp"
#include "bnconf/conformance/report_formats.hpp"

namespace {

using namespace bnconf::conformance;

std::string html_of(const Report& report) { return find_report_format("html")->render(report); }

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

OutputCheck output(const std::string& name, bool passed) {
  OutputCheck o;
  o.name = name;
  o.elements = 3;
  o.passed = passed;
  o.out_of_bound = passed ? 0 : 1;
  o.reason = passed ? "" : "error 0.5 above bound 0.25 (1 of 3 elements)";
  o.ratio_histogram[0] = 2;
  o.ratio_histogram[passed ? 1 : 10] = 1;
  o.worst = {{"[2]", 1.0, 1.5, 0.5, 0.25}, {"[0]", 2.0, 2.0, 0, 0.25}, {"[1]", 3.0, 3.0, 0, 0.25}};
  if (passed) o.worst[0] = {"[2]", 1.0, 1.0, 0, 0.25};
  return o;
}

CaseResult failing(const std::string& id, const std::string& explanation = "") {
  CaseResult r;
  r.id = id;
  r.tier = "core";
  r.operation = "forward_train";
  r.dtype = "f32";
  r.layout = "channels_first";
  r.status = CaseStatus::fail;
  r.message = "out of bound: y";
  r.expected_failure = explanation;
  r.outputs = {output("y", false), output("batch_mean", true)};
  return r;
}

TEST(HtmlReport, AFailedOutputGetsAPlotAndATableOfItsWorstElements) {
  Report report({"mine", "1", "bundled", {"fixtures"}, 1, {}});
  report.add(failing("core.a"));
  report.finish();
  const std::string html = html_of(report);
  EXPECT_EQ(occurrences(html, "<table class=\"worst\">"), 1u);
  EXPECT_EQ(occurrences(html, "<title>error against bound"), 1u);
  for (const char* index : {">[2]<", ">[0]<", ">[1]<"}) {
    EXPECT_NE(html.find(index), std::string::npos) << index;
  }
  EXPECT_NE(html.find("bnconf run --backend mine --fixtures fixtures --filter core.a"),
            std::string::npos);
}

TEST(HtmlReport, UnexplainedFailuresComeBeforeExplainedOnes) {
  Report report({"mine", "1", "bundled", {"fixtures"}, 2, {}});
  report.add(failing("core.explained", "backend bug: known (#1)"));
  report.add(failing("core.unexplained"));
  report.finish();
  const std::string html = html_of(report);
  const auto unexplained = html.find("<article class=\"case\" id=\"case-0\"");
  ASSERT_NE(unexplained, std::string::npos);
  EXPECT_LT(html.find("core.unexplained", unexplained), html.find("core.explained", unexplained));
  EXPECT_NE(html.find("backend bug: known (#1)"), std::string::npos);
}

TEST(HtmlReport, TheBannerSaysTheExitStatusOnceRecordedElseHowFarTheRunGot) {
  Report report({"mine", "1", "bundled", {"fixtures"}, 3, {}});
  report.add(failing("core.a"));
  EXPECT_NE(html_of(report).find("1 of 3 selected cases reported"), std::string::npos);
  report.finish();
  EXPECT_NE(html_of(report).find("no exit status recorded"), std::string::npos);
  report.set_exit_status(1, "a case failed");
  const std::string html = html_of(report);
  EXPECT_NE(html.find("exit status 1</b><span>a case failed"), std::string::npos);
  EXPECT_NE(html.find("banner v-fail"), std::string::npos);
}

TEST(HtmlReport, ShowsTheFirst200CasesInDetailAndSaysHowManyItLeftOut) {
  Report report({"mine", "1", "bundled", {"fixtures"}, 250, {}});
  for (int i = 0; i < 250; ++i) report.add(failing("core.case" + std::to_string(i)));
  report.finish();
  const std::string html = html_of(report);
  EXPECT_EQ(occurrences(html, "<article class=\"case\""), 200u);
  EXPECT_NE(html.find("50 more were left out"), std::string::npos);
  EXPECT_NE(html.find(">core.case249<"), std::string::npos) << "every case stays in the index";
}

}  // namespace
