// A case run in a child process: crashes, aborts, hangs and early exits are reported as such,
// and a completed execution comes back intact. The child is a process group of its own, killed
// with its case, and dies with the runner (PR_SET_PDEATHSIG); a grandchild holding the result
// pipe cannot hold the wait; memory, CPU time, file size and result size are limited, each
// limit named when hit.
#include "bnconf/conformance/isolation.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

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

// Gone, or a zombie: not running.
bool process_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  return line.substr(line.rfind(')') + 2, 1) == "Z";
}

bool wait_gone(pid_t pid, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!process_gone(pid)) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

std::filesystem::path scratch(const char* name) {
  return std::filesystem::temp_directory_path() /
         ("bnconf-isolation-" + std::to_string(::getpid()) + "-" + name);
}

// Before: the parent read the pipe until end-of-file, which the grandchild's copy of the write
// end never gave: the case became a timeout and the grandchild outlived it.
TEST(Isolation, GrandchildHoldingThePipeNeitherHoldsTheWaitNorOutlivesTheCase) {
  const auto pid_file = scratch("grandchild");
  const auto start = std::chrono::steady_clock::now();
  const IsolatedRun run = run_isolated(
      [&] {
        const pid_t grandchild = ::fork();
        if (grandchild == 0) {
          ::sleep(3600);
          ::_exit(0);
        }
        std::ofstream(pid_file) << grandchild;
        return sample_execution();
      },
      20);
  EXPECT_EQ(run.outcome, Outcome::completed) << run.detail;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10);
  pid_t grandchild = 0;
  std::ifstream(pid_file) >> grandchild;
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(wait_gone(grandchild, 5)) << "the grandchild outlived its case";
  std::filesystem::remove(pid_file);
}

// Before: nothing tied the case's process to the runner: killing the runner left it running.
TEST(Isolation, KillingTheRunnerKillsTheCaseProcess) {
  const auto pid_file = scratch("case");
  std::fflush(nullptr);
  const pid_t runner = ::fork();
  ASSERT_GE(runner, 0);
  if (runner == 0) {
    run_isolated(
        [&]() -> Execution {
          std::ofstream(pid_file) << ::getpid();
          for (;;) ::pause();
        },
        3600);
    ::_exit(0);
  }
  pid_t child = 0;
  for (int i = 0; i < 500 && child == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::ifstream(pid_file) >> child;
  }
  ASSERT_GT(child, 0) << "the case process never started";
  ::kill(runner, SIGKILL);
  ::waitpid(runner, nullptr, 0);
  EXPECT_TRUE(wait_gone(child, 5)) << "the case process outlived the runner";
  if (!process_gone(child)) ::kill(child, SIGKILL);
  std::filesystem::remove(pid_file);
}

// Before: the parent read whatever the pipe brought, without bound.
TEST(Isolation, ResultLargerThanTheLimitIsAResourceLimit) {
  CaseLimits limits = default_case_limits(30);
  limits.result_bytes = 1 << 20;
  const IsolatedRun run = run_isolated(
      [] {
        Execution e;
        e.outputs["y"] = {{1 << 18}, std::vector<double>(1 << 18, 0.5)};  // 2 MiB
        return e;
      },
      limits);
  EXPECT_EQ(run.outcome, Outcome::resource_limit) << run.detail;
  EXPECT_NE(run.detail.find("more than 1 MiB of results"), std::string::npos) << run.detail;
}

// Before: only the wall-clock timeout bounded a case.
TEST(Isolation, CpuTimeLimitIsAResourceLimitNamingIt) {
  CaseLimits limits = default_case_limits(30);
  limits.cpu_seconds = 1;
  const IsolatedRun run = run_isolated(
      []() -> Execution {
        volatile unsigned long spin = 0;
        for (;;) spin = spin + 1;
      },
      limits);
  EXPECT_EQ(run.outcome, Outcome::resource_limit) << run.detail;
  EXPECT_NE(run.detail.find("CPU time limit of 1 s"), std::string::npos) << run.detail;
}

TEST(Isolation, MemoryLimitIsAResourceLimitNamingIt) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "no memory limit under AddressSanitizer (its shadow memory)";
#endif
  CaseLimits limits = default_case_limits(30);
  limits.memory_bytes = std::uint64_t{256} << 20;
  const IsolatedRun run = run_isolated(
      [] {
        std::vector<std::vector<char>> blocks;
        for (;;) blocks.emplace_back(std::size_t{32} << 20, 'x');
        return Execution{};
      },
      limits);
  EXPECT_EQ(run.outcome, Outcome::resource_limit) << run.detail;
  EXPECT_NE(run.detail.find("memory limit of 256 MiB"), std::string::npos) << run.detail;
}

TEST(Isolation, FileSizeLimitIsAResourceLimitNamingIt) {
  const auto file = scratch("big");
  CaseLimits limits = default_case_limits(30);
  limits.file_bytes = 1 << 20;
  const IsolatedRun run = run_isolated(
      [&] {
        std::ofstream out(file, std::ios::binary);
        const std::string block(1 << 16, 'x');
        for (int i = 0; i < 64; ++i) out.write(block.data(), block.size()).flush();
        return Execution{};
      },
      limits);
  EXPECT_EQ(run.outcome, Outcome::resource_limit) << run.detail;
  EXPECT_NE(run.detail.find("file size limit of 1 MiB"), std::string::npos) << run.detail;
  std::filesystem::remove(file);
}

// What the case's process noted before dying comes back with the crash.
TEST(Isolation, ViolationsNotedBeforeACrashComeBack) {
  const IsolatedRun run = run_isolated(
      []() -> Execution {
        note_violation("wrote to the guard page 8 bytes past the end of output y");
        std::abort();
      },
      10);
  EXPECT_EQ(run.outcome, Outcome::crashed);
  ASSERT_EQ(run.violations.size(), 1u);
  EXPECT_EQ(run.violations[0], "wrote to the guard page 8 bytes past the end of output y");
}

TEST(Isolation, ValuesThatDoNotFillTheirShapeAreRejected) {
  Execution e;
  e.outputs["y"] = {{2, 3}, {1, 2, 3, 4, 5}};  // 5 values for 6 elements
  Execution back;
  EXPECT_FALSE(deserialise(serialise(e), back));
}

// An empty batch (an open element of the tolerance model) has outputs with no values, whatever
// the extents before the empty one. Before: [1, 1, 0] was rejected as values that do not fill
// their shape, and every empty-batch case was a crash ("returned a malformed result").
TEST(Isolation, EmptyOutputsComeBackIntact) {
  Execution e;
  e.outputs["y"] = {{1, 1, 0}, {}};
  e.outputs["dx"] = {{3, 0, 5}, {}};
  e.outputs["batch_mean"] = {{1}, {0.5}};
  Execution back;
  ASSERT_TRUE(deserialise(serialise(e), back));
  EXPECT_EQ(back.outputs, e.outputs);
}

TEST(Isolation, TextFromTheCaseProcessArrivesAsOnePrintableLine) {
  Execution e;
  e.message = "line one\nline two \x1B[31m \xFF";
  Execution back;
  ASSERT_TRUE(deserialise(serialise(e), back));
  EXPECT_EQ(back.message, "line one\\x0Aline two \\x1B[31m \xEF\xBF\xBD");
}

}  // namespace
