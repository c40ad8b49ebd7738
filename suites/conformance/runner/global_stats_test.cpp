// A backend that takes given statistics but keeps no running statistics of its own (capability
// GLOBAL_STATS without RUNNING_STATS, as oneDNN): tracked training steps are judged on y and the
// batch statistics with the running outputs reported as not checked; inference with running
// statistics runs; sequences and pipelines, which chain running statistics, are unsupported. The
// backend is the bundled cpu-f32 declaring those capabilities.
#include <gtest/gtest.h>

#include <string>

#include "bnconf/backends/cpu_f32_backend.hpp"
#include "bnconf/conformance/runner.hpp"

namespace {

namespace conf = bnconf::conformance;
using conf::CaseStatus;

void global_stats_only(bnconf_capabilities* out) {
  bnconf_cpu_f32_backend()->capabilities(out);
  out->features = (out->features & ~BNCONF_FEATURE_RUNNING_STATS) | BNCONF_FEATURE_GLOBAL_STATS;
}

void no_statistics_at_all(bnconf_capabilities* out) {
  bnconf_cpu_f32_backend()->capabilities(out);
  out->features &= ~BNCONF_FEATURE_RUNNING_STATS;
}

conf::Report run(void (*capabilities)(bnconf_capabilities*), const std::string& filter) {
  static bnconf_backend_v1 table;
  table = *bnconf_cpu_f32_backend();
  table.capabilities = capabilities;
  conf::RunOptions options;
  options.filter = filter;
  return conf::run_backend(conf::Backend::from_table(&table, "test"), options);
}

TEST(GlobalStats, TrackedTrainingIsJudgedWithoutItsRunningStatistics) {
  const conf::Report report = run(global_stats_only, "core.dtypes.f32.*:core.momentum.*.f32");
  std::size_t training = 0, inference = 0, sequences = 0;
  for (const auto& r : report.results()) {
    if (r.operation == "forward_train") {
      ++training;
      EXPECT_EQ(r.status, CaseStatus::pass) << r.id << ": " << r.message;
      EXPECT_NE(r.message.find("not checked: running_mean, running_var, num_batches_tracked"),
                std::string::npos)
          << r.id << ": " << r.message;
      // The running statistics are in the result, marked not checked, with no element judged.
      for (const auto& o : r.outputs) {
        if (o.name.rfind("running_", 0) != 0) continue;
        EXPECT_FALSE(o.not_checked.empty()) << o.name;
        EXPECT_EQ(o.elements, 0u) << o.name;
      }
      bool judged_y = false;
      for (const auto& o : r.outputs) judged_y = judged_y || o.name == "y";
      EXPECT_TRUE(judged_y) << r.id;
    } else if (r.operation == "forward_eval" || r.operation == "backward_eval") {
      ++inference;
      EXPECT_EQ(r.status, CaseStatus::pass) << r.id << ": " << r.message;
    } else if (r.operation == "sequence") {
      ++sequences;
      EXPECT_EQ(r.status, CaseStatus::unsupported) << r.id;
      EXPECT_NE(r.message.find("running statistics"), std::string::npos) << r.message;
    }
  }
  EXPECT_GE(training, 1u);
  EXPECT_GE(inference, 2u);
  EXPECT_GE(sequences, 1u);
}

TEST(GlobalStats, WithoutEitherFeatureTrackedCasesAreUnsupported) {
  const conf::Report report = run(no_statistics_at_all, "core.dtypes.f32.*");
  for (const auto& r : report.results()) {
    if (r.operation == "backward_train") continue;  // needs no running statistics
    EXPECT_EQ(r.status, CaseStatus::unsupported) << r.id << ": " << r.message;
    EXPECT_NE(r.message.find("running statistics"), std::string::npos) << r.message;
  }
}

}  // namespace
