// Mutation testing of the suite itself. Each mutant of cpu-f32 (suites/material/, one realistic
// bug each) runs the whole committed fixture set through the runner under the error model; the
// suite must fail it (at least one case `fail`) without the run breaking down (no crash or
// timeout, except for mutants whose bug is a memory error). The unmutated cpu-f32 is the control:
// it must fail nothing it supports, so every failure of a mutant is its bug's doing.
//
// Each test records which cases catch its mutant (RecordProperty, and a line on stdout).
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bnconf/conformance/runner.hpp"
#include "mutant_libraries.hpp"

namespace bnconf::mutation_testing {
// How gtest shows a parameter ("GetParam() = ..." in the test list).
void PrintTo(const MutantLibrary& mutant, std::ostream* out) { *out << mutant.name; }
}  // namespace bnconf::mutation_testing

namespace {

namespace conf = bnconf::conformance;
using bnconf::mutation_testing::kMutantLibraries;
using bnconf::mutation_testing::MutantLibrary;
using conf::CaseStatus;

// A case takes at most ~0.05 s (Release); the limit only bounds a mutant that loops forever.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr double kCaseTimeoutSeconds = 120;
#else
constexpr double kCaseTimeoutSeconds = 20;
#endif

// Mutants whose bug is a memory error: a crash is an acceptable way to be caught. (The runner's
// guard bytes normally turn write_past_output into a `fail`, "past the end".)
const std::set<std::string> kMemoryErrorMutants{"write_past_output"};

constexpr std::size_t kIdsShown = 5;

conf::RunOptions full_run() {
  conf::RunOptions options;  // every committed case, the error model
  options.timeout_seconds = kCaseTimeoutSeconds;
  return options;
}

std::vector<const conf::CaseResult*> with_status(const conf::Report& report, CaseStatus status) {
  std::vector<const conf::CaseResult*> found;
  for (const auto& r : report.results()) {
    if (r.status == status) found.push_back(&r);
  }
  return found;
}

std::string first_ids(const std::vector<const conf::CaseResult*>& results, std::size_t n) {
  std::string text;
  for (std::size_t i = 0; i < results.size() && i < n; ++i) text += (i ? " " : "") + results[i]->id;
  if (results.size() > n) text += " ...";
  return text;
}

// "id: message [output: reason]" for the report of a case that is not a pass.
std::string describe(const conf::CaseResult& r) {
  std::string text = r.id + ": " + r.message;
  for (const auto& o : r.outputs) {
    if (!o.passed) return text + " [" + o.name + ": " + o.reason + "]";
  }
  return text;
}

std::string capabilities_of(const std::string& backend) {
  return conf::describe_capabilities(conf::Backend::open(backend).capabilities());
}

TEST(MutantList, NamesEveryMutantOfAdaptersOnceWithAnExistingPlugin) {
  std::set<std::string> names;
  for (const auto& m : kMutantLibraries) {
    EXPECT_TRUE(names.insert(m.name).second) << "listed twice: " << m.name;
    EXPECT_NO_THROW(conf::Backend::open(m.path)) << m.path;
  }
  EXPECT_GE(names.size(), 15u);
}

TEST(UnmutatedCpuF32, PassesEveryCommittedCaseItSupports) {
  const conf::Report report = conf::run_backend(conf::Backend::open("cpu-f32"), full_run());
  const auto counts = report.counts();
  std::cout << "[control cpu-f32] " << report.count_line() << "\n";
  RecordProperty("counts", report.count_line());
  EXPECT_EQ(report.results().size(), report.info().selected);
  EXPECT_GT(counts.at(CaseStatus::pass), 0u);
  for (auto status :
       {CaseStatus::fail, CaseStatus::crash, CaseStatus::timeout, CaseStatus::backend_error}) {
    for (const conf::CaseResult* r : with_status(report, status)) {
      ADD_FAILURE() << "cpu-f32 " << conf::to_string(status) << ": " << describe(*r);
    }
  }
}

class SuiteCatchesMutant : public testing::TestWithParam<MutantLibrary> {};

TEST_P(SuiteCatchesMutant, SomeCommittedCaseFailsItAndNoCaseCrashesOrTimesOut) {
  const MutantLibrary mutant = GetParam();
  const std::string name = mutant.name;
  const conf::Backend backend = conf::Backend::open(mutant.path);
  // Same capabilities as cpu-f32, hence the same cases executed as in the control run.
  ASSERT_EQ(conf::describe_capabilities(backend.capabilities()), capabilities_of("cpu-f32"));

  // The report feeds docs/mutation.md (scripts/mutation-table, ctest docs.mutation_table_*).
  conf::RunOptions options = full_run();
  options.reports["json"] = std::string(BNCONF_MUTATION_REPORTS_DIR) + "/" + name + ".json";
  const conf::Report report = conf::run_backend(backend, options);
  ASSERT_EQ(report.results().size(), report.info().selected) << "the run stopped early";
  ASSERT_GT(report.results().size(), 0u);

  const auto failing = with_status(report, CaseStatus::fail);
  const auto executed = report.results().size() - report.counts().at(CaseStatus::unsupported);
  std::cout << "[mutant " << name << "] caught by " << failing.size() << " of " << executed
            << " executed cases: " << first_ids(failing, kIdsShown) << "\n";
  if (!failing.empty()) std::cout << "  first: " << describe(*failing.front()) << "\n";
  std::cout << "  " << report.count_line() << "\n";
  RecordProperty("catching_cases", static_cast<int>(failing.size()));
  RecordProperty("first_catching_cases", first_ids(failing, kIdsShown));
  RecordProperty("counts", report.count_line());

  EXPECT_FALSE(failing.empty()) << "mutant " << name
                                << " survives the committed fixtures: no case fails it ("
                                << report.count_line() << ")";
  if (!kMemoryErrorMutants.contains(name)) {
    for (auto status : {CaseStatus::crash, CaseStatus::timeout}) {
      for (const conf::CaseResult* r : with_status(report, status)) {
        ADD_FAILURE() << "mutant " << name << ": " << conf::to_string(status) << " in "
                      << describe(*r);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Mutants, SuiteCatchesMutant, testing::ValuesIn(kMutantLibraries),
                         [](const testing::TestParamInfo<MutantLibrary>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
