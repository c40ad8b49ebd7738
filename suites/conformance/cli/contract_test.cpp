// The outside contract (shared brief, contract.md): the JSON report's fields for a full run of
// the reference over the committed fixtures, and the exit-status rule of check.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bnconf/cases/operations.hpp"
#include "bnconf/conformance/runner.hpp"
#include "bnconf/formats/results_file.hpp"

namespace {

namespace fs = std::filesystem;
using namespace bnconf::conformance;

fs::path scratch(const char* name) {
  return fs::temp_directory_path() /
         (std::string("bnconf-contract-") + std::to_string(::getpid()) + name);
}

TEST(Contract, ReferenceRunPassesEveryCaseWithTheContractJson) {
  const fs::path json_path = scratch(".json");
  RunOptions options;
  options.reports["json"] = json_path.string();
  const Report report = run_backend(Backend::open("reference"), options);
  std::ifstream in(json_path);
  const auto json = nlohmann::json::parse(in);
  EXPECT_EQ(json["complete"], true);
  EXPECT_EQ(json["backend"]["name"], "reference");
  EXPECT_TRUE(json["backend"]["version"].is_string());
  const auto& summary = json["summary"];
  for (const char* s : {"pass", "fail", "unsupported", "crash", "timeout", "backend_error"}) {
    ASSERT_TRUE(summary.contains(s)) << s;
  }
  EXPECT_GE(summary["pass"].get<int>(), 300);
  // Every case passes; those whose outputs cannot discriminate are counted as mistrusted.
  EXPECT_EQ(summary["pass"].get<std::size_t>() + summary["mistrusted"].get<std::size_t>(),
            json["cases"].size());
  for (const auto& c : json["cases"]) {
    ASSERT_TRUE(c.contains("id") && c.contains("tier") && c.contains("status")) << c.dump();
    if (c["tier"] == "errors") continue;
    ASSERT_FALSE(c["outputs"].empty()) << c["id"];
    for (const auto& o : c["outputs"]) {
      EXPECT_TRUE(o.contains("name") && o.contains("error") && o.contains("bound")) << o.dump();
    }
  }
  fs::remove(json_path);
}

// A results file holding the reference's own outputs passes check; one value moved past its
// bound fails it, naming the case, output and element.
TEST(Contract, CheckJudgesAResultsFileWithTheSameRules) {
  RunOptions options;
  options.tiers = {"errors", "ieee"};
  const auto set = bnconf::formats::load_fixture_set({default_fixtures_path()});
  bnconf::formats::ResultsFile results{"results-writer", "1", {}, {}};
  for (const auto* c : select_cases(set, options)) {
    auto& entry = results.cases[c->spec.id];
    entry.status = c->spec.operation == bnconf::cases::Operation::error ? "invalid_argument" : "ok";
    if (entry.status == "ok") entry.outputs = c->expected;
  }
  const fs::path path = scratch(".h5");
  bnconf::formats::write_results_file(path.string(), results);
  const Report good = check_results(path.string(), options);
  EXPECT_EQ(good.counts().at(CaseStatus::pass) + good.counts().at(CaseStatus::mistrusted),
            good.results().size());
  EXPECT_EQ(good.info().backend_name, "results-writer");

  const std::string victim = "ieee.special_values.weight_nan.forward_eval.channels_first";
  ASSERT_TRUE(results.cases.count(victim));
  results.cases[victim].outputs["y"].values[0] += 0.5;
  results.cases.erase("errors.invalid.rank1");
  bnconf::formats::write_results_file(path.string(), results);
  const Report bad = check_results(path.string(), options);
  EXPECT_EQ(bad.counts().at(CaseStatus::fail), 1u);
  EXPECT_EQ(bad.counts().at(CaseStatus::backend_error), 1u);  // the missing case
  for (const auto& r : bad.results()) {
    if (r.id != victim) continue;
    ASSERT_FALSE(r.outputs.empty());
    EXPECT_EQ(r.outputs[0].name, "y");
    EXPECT_FALSE(r.outputs[0].passed);
    EXPECT_EQ(r.outputs[0].index, "[0, 0, 0]");
  }
  fs::remove(path);
}

// A results file may declare outputs it did not compute (attribute unchecked): running statistics
// are then "not checked", as for a backend that does not declare them; a core output declared
// unchecked fails the case instead of passing it unjudged. Before, the attribute was not read:
// the running statistics were missing outputs and failed the case.
TEST(Contract, CheckHonoursOutputsDeclaredUncheckedButNeverACoreOutput) {
  RunOptions options;
  options.filter = "core.dtypes.f32.forward_train:core.dtypes.f32.forward_eval";
  const auto set = bnconf::formats::load_fixture_set({default_fixtures_path()});
  const auto selected = select_cases(set, options);
  ASSERT_EQ(selected.size(), 2u);
  bnconf::formats::ResultsFile results{"producer", "1", {}, {}};
  for (const auto* c : selected) {
    auto& entry = results.cases[c->spec.id];
    entry.outputs = c->expected;
    if (c->spec.operation == bnconf::cases::Operation::forward_train) {
      for (const char* name : {"running_mean", "running_var", "num_batches_tracked"}) {
        entry.outputs.erase(name);
        entry.unchecked.push_back(name);
      }
    } else {
      entry.outputs.erase("y");
      entry.unchecked.push_back("y");
    }
    entry.unchecked_reason = "the framework keeps no running statistics";
  }
  const fs::path path = scratch("-unchecked.h5");
  bnconf::formats::write_results_file(path.string(), results);
  const Report report = check_results(path.string(), options);
  ASSERT_EQ(report.results().size(), 2u);
  for (const auto& r : report.results()) {
    if (r.operation == "forward_train") {
      EXPECT_EQ(r.status, CaseStatus::pass) << r.message;
      EXPECT_NE(r.message.find("not checked: running_mean, running_var, num_batches_tracked (the "
                               "framework keeps no running statistics)"),
                std::string::npos)
          << r.message;
      // Each unchecked output stays in the result, marked, with no elements judged.
      std::size_t marked = 0;
      for (const auto& o : r.outputs) {
        if (o.not_checked.empty()) continue;
        ++marked;
        EXPECT_EQ(o.elements, 0u) << o.name;
        EXPECT_NE(o.not_checked.find("the framework keeps no running statistics"),
                  std::string::npos)
            << o.not_checked;
      }
      EXPECT_EQ(marked, 3u);
    } else {
      EXPECT_EQ(r.status, CaseStatus::fail) << r.message;
      EXPECT_NE(r.message.find("declares y unchecked"), std::string::npos) << r.message;
    }
  }
  fs::remove(path);
}

// Batch statistics are optional outputs: a results file without them passes, and each one it
// left out is in the result as not checked, so that no report reads as if it had been judged.
TEST(Contract, CheckMarksOptionalOutputsLeftOutAsNotChecked) {
  RunOptions options;
  options.filter = "core.dtypes.f32.forward_train";
  const auto set = bnconf::formats::load_fixture_set({default_fixtures_path()});
  const auto selected = select_cases(set, options);
  ASSERT_EQ(selected.size(), 1u);
  const auto& c = *selected.front();
  bnconf::formats::ResultsFile results{"producer", "1", {}, {}};
  auto& entry = results.cases[c.spec.id];
  entry.outputs = c.expected;
  std::vector<std::string> left_out;
  for (const auto& use : bnconf::cases::row_of(c.spec.operation).outputs) {
    if (use.group != bnconf::cases::OutputGroup::batch_statistics) continue;
    if (entry.outputs.erase(std::string(use.name)) > 0) left_out.emplace_back(use.name);
  }
  ASSERT_FALSE(left_out.empty()) << "forward_train has batch statistics in the operation table";
  const fs::path path = scratch("-no-batch-statistics.h5");
  bnconf::formats::write_results_file(path.string(), results);
  const Report report = check_results(path.string(), options);
  ASSERT_EQ(report.results().size(), 1u);
  const auto& r = report.results().front();
  EXPECT_EQ(r.status, CaseStatus::pass) << r.message;
  std::vector<std::string> marked;
  for (const auto& o : r.outputs) {
    if (!o.not_checked.empty()) marked.push_back(o.name);
  }
  EXPECT_EQ(marked, left_out);
  EXPECT_NE(report.terminal_summary().find("Outputs not checked:\n    " + left_out.front() +
                                           " in 1 case (e.g. " + c.spec.id + "): not produced"),
            std::string::npos)
      << report.terminal_summary();
  fs::remove(path);
}

}  // namespace
