// A case run in a child process: crashes, aborts, hangs and early exits are reported as such,
// and a completed execution comes back intact.
#include "bnconf/conformance/isolation.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>

namespace {

using namespace bnconf::conformance;

Execution sample_execution() {
  Execution e;
  e.status = CallStatus::invalid_argument;
  e.message = "weight should contain 3 elements not 5";
  e.violations = {"modified input x"};
  e.outputs["y"] = {{2, 3}, {1, 2, 3, 4, 5, 6}};
  e.outputs["num_batches_tracked"] = bnconf::cases::Array::scalar(7);
  e.unchecked = {"running_mean"};
  e.unchecked_reason = "the backend keeps no running statistics";
  e.internal_error = "case x has no input dy";
  return e;
}

TEST(Isolation, CompletedExecutionComesBackIntact) {
  const IsolatedRun run = run_isolated(sample_execution, 10);
  ASSERT_EQ(run.outcome, Outcome::completed) << run.detail;
  const Execution expected = sample_execution();
  EXPECT_EQ(run.execution.status, expected.status);
  EXPECT_EQ(run.execution.message, expected.message);
  EXPECT_EQ(run.execution.violations, expected.violations);
  EXPECT_EQ(run.execution.outputs, expected.outputs);
  EXPECT_EQ(run.execution.unchecked, expected.unchecked);
  EXPECT_EQ(run.execution.unchecked_reason, expected.unchecked_reason);
  EXPECT_EQ(run.execution.internal_error, expected.internal_error);
}

TEST(Isolation, LargeOutputsDoNotDeadlockThePipe) {
  const IsolatedRun run = run_isolated(
      [] {
        Execution e;
        e.outputs["y"] = {{1 << 20}, std::vector<double>(1 << 20, 0.5)};
        return e;
      },
      30);
  ASSERT_EQ(run.outcome, Outcome::completed) << run.detail;
  EXPECT_EQ(run.execution.outputs.at("y").values.size(), 1u << 20);
}

TEST(Isolation, SegfaultIsACrashNamingTheSignal) {
  const IsolatedRun run = run_isolated(
      []() -> Execution {
        ::raise(SIGSEGV);
        return {};
      },
      10);
  EXPECT_EQ(run.outcome, Outcome::crashed);
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer's own SIGSEGV handler reports and exits with status 1.
  EXPECT_FALSE(run.detail.empty());
#else
  EXPECT_NE(run.detail.find("signal 11"), std::string::npos) << run.detail;
#endif
}

TEST(Isolation, AbortFromAnEscapedExceptionIsACrash) {
  const IsolatedRun run = run_isolated([]() -> Execution { std::abort(); }, 10);
  EXPECT_EQ(run.outcome, Outcome::crashed);
  EXPECT_NE(run.detail.find("signal 6"), std::string::npos) << run.detail;
}

TEST(Isolation, HangIsKilledAtTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  const IsolatedRun run = run_isolated(
      []() -> Execution {
        for (;;) ::pause();
      },
      1);
  EXPECT_EQ(run.outcome, Outcome::timed_out);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5.0);
}

TEST(Isolation, ExitWithoutAResultIsACrash) {
  const IsolatedRun run = run_isolated([]() -> Execution { ::_exit(0); }, 10);
  EXPECT_EQ(run.outcome, Outcome::crashed);
  EXPECT_NE(run.detail.find("before returning a result"), std::string::npos) << run.detail;
}

TEST(Isolation, TruncatedOrCorruptResultBytesAreRejected) {
  const std::string bytes = serialise(sample_execution());
  Execution e;
  EXPECT_TRUE(deserialise(bytes, e));
  for (std::size_t cut : {std::size_t{0}, std::size_t{5}, bytes.size() / 2, bytes.size() - 1}) {
    Execution partial;
    EXPECT_FALSE(deserialise(bytes.substr(0, cut), partial)) << "cut at " << cut;
  }
}

}  // namespace
