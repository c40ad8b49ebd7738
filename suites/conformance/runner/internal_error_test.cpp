// A failure of bnconf itself on one case (an exception while driving or judging it) is reported
// as that case's internal_error, the run goes on to the other cases, and the run fails.
#include <gtest/gtest.h>

#include "bnconf/backends/bundled.hpp"
#include "bnconf/conformance/judge.hpp"
#include "bnconf/conformance/runner.hpp"
#include "bnconf/formats/fixture_set.hpp"

namespace {

namespace conf = bnconf::conformance;
namespace cases = bnconf::cases;
using conf::CaseStatus;

const cases::Case& committed_case(const std::string& id) {
  static const auto set = bnconf::formats::load_fixture_set({BNCONF_FIXTURES_DIR});
  for (const auto& c : set.cases) {
    if (c.spec.id == id) return c;
  }
  throw std::runtime_error("no committed case " + id);
}

const char* const kCase = "core.rank_layout.forward_train.2x3x5x4.channels_last.f64";

TEST(InternalError, JudgingACaseWithoutAnOutputItsOperationRequiresThrows) {
  cases::Case broken = committed_case(kCase);
  broken.expected.erase("y");
  cases::Execution execution;
  execution.outputs = committed_case(kCase).expected;
  conf::CaseResult result = conf::new_result(broken);
  EXPECT_THROW(conf::judge_execution(broken, execution, result), std::invalid_argument);
}

TEST(InternalError, AnExecutionThatFailedInsideBnconfIsNotAVerdictOnTheBackend) {
  cases::Execution execution;
  execution.internal_error = "case x has no input dy";
  conf::CaseResult result = conf::new_result(committed_case(kCase));
  conf::judge_execution(committed_case(kCase), execution, result);
  EXPECT_EQ(result.status, CaseStatus::internal_error);
  EXPECT_NE(result.message.find("case x has no input dy"), std::string::npos) << result.message;
}

TEST(InternalError, IsReportedPerCaseAndTheRunGoesOnAndFails) {
  cases::Case broken = committed_case(kCase);
  broken.spec.id = "core.broken_copy";
  broken.expected.erase("y");
  const std::vector<cases::Case> run_cases{broken, committed_case(kCase)};
  const conf::Report report = conf::run_backend_on(
      conf::Backend::from_table(bnconf_reference_backend(), "bundled"), run_cases, "memory", {});
  ASSERT_EQ(report.results().size(), 2u);
  EXPECT_EQ(report.results()[0].status, CaseStatus::internal_error);
  EXPECT_NE(report.results()[0].message.find("core.broken_copy"), std::string::npos)
      << report.results()[0].message;
  EXPECT_EQ(report.results()[1].status, CaseStatus::pass) << report.results()[1].message;
  EXPECT_EQ(report.unexplained_count(), 1u);
  EXPECT_NE(report.count_line().find("internal_error:1"), std::string::npos);
}

TEST(InternalError, IsAProblemStatusReportedAsAJUnitError) {
  EXPECT_TRUE(conf::is_problem(CaseStatus::internal_error));
  const auto& row = conf::status_table()[static_cast<std::size_t>(CaseStatus::internal_error)];
  EXPECT_EQ(row.name, "internal_error");
  EXPECT_EQ(row.junit_element, "error");
}

}  // namespace
