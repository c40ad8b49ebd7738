// Fault isolation: whatever a backend does while running a case (crash, abort, hang, error,
// garbage, writes outside its outputs) ends as that case's verdict, and the run goes on to the
// next case; a library that is not a usable backend is refused by Backend::open with an
// exception naming it and the problem; a run killed midway leaves a valid JSON report.
//
// The faulty plug-ins are suites/material/faulty/faulty_backend.cpp; write_past_output and
// modifies_input are mutants of cpu-f32 (suites/material/README.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "bnconf/conformance/runner.hpp"
#include "fault_plugins.hpp"

namespace {

namespace conf = bnconf::conformance;
using conf::CaseStatus;
using testing::AnyOf;
using testing::HasSubstr;

#if defined(__SANITIZE_ADDRESS__)
// Under ASan/UBSan the segfault plug-in's null store is reported by UBSan, which exits with
// status 1 instead of dying by SIGSEGV; the verdict is a crash either way.
constexpr bool kSanitized = true;
constexpr double kCaseTimeoutSeconds = 120;
#else
constexpr bool kSanitized = false;
constexpr double kCaseTimeoutSeconds = 30;
#endif

// Four committed cases, one per operation (forward_train, forward_eval, backward_train,
// backward_eval), f32, channels-first.
constexpr const char* kFourCases = "core.dtypes.f32.*";
constexpr std::size_t kFourCasesCount = 4;

std::string plugin(const std::string& name) {
  for (const auto& p : bnconf::fault_testing::kPlugins) {
    if (name == p.name) return p.path;
  }
  throw std::logic_error("no plug-in named " + name + " in fault_plugins.hpp");
}

conf::Report run(const std::string& name, const std::string& filter,
                 double timeout_seconds = kCaseTimeoutSeconds, const std::string& json_path = "") {
  conf::RunOptions options;
  options.filter = filter;
  options.timeout_seconds = timeout_seconds;
  options.reports["json"] = json_path;
  return conf::run_backend(conf::Backend::open(plugin(name)), options);
}

std::string temporary_path(const std::string& stem) {
  const auto* test = testing::UnitTest::GetInstance()->current_test_info();
  return (std::filesystem::path(testing::TempDir()) /
          (stem + "." + test->name() + "." + std::to_string(::getpid()) + ".json"))
      .string();
}

// Removes `path` and the temporary files of its atomic rewrites (path.tmp.<pid>).
void remove_report(const std::string& path) {
  const std::filesystem::path p(path);
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(p.parent_path(), ignored)) {
    if (entry.path().filename().string().rfind(p.filename().string(), 0) == 0)
      std::filesystem::remove(entry.path(), ignored);
  }
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());  // throws on invalid JSON
}

std::string signal_text(int signal) {
  return "signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
}

// Every selected case was reported, with `status`.
void expect_every_case(const conf::Report& report, std::size_t selected, CaseStatus status) {
  EXPECT_EQ(report.info().selected, selected);
  ASSERT_EQ(report.results().size(), selected) << "the run did not reach its end";
  for (const auto& r : report.results()) {
    EXPECT_EQ(r.status, status) << r.id << ": " << conf::to_string(r.status) << ", " << r.message;
  }
}

TEST(FaultIsolation, SegfaultIsACrashOfEveryCaseAndTheRunGoesOnToTheEnd) {
  const std::string json_path = temporary_path("segfault");
  const conf::Report report = run("faulty_segfault", kFourCases, kCaseTimeoutSeconds, json_path);
  expect_every_case(report, kFourCasesCount, CaseStatus::crash);
  for (const auto& r : report.results()) {
    if (kSanitized) {
      EXPECT_THAT(r.message,
                  AnyOf(HasSubstr(signal_text(SIGSEGV)), HasSubstr("exited with status")))
          << r.id;
    } else {
      EXPECT_THAT(r.message, HasSubstr(signal_text(SIGSEGV))) << r.id;
    }
  }
  // The report file too covers every case and is marked complete.
  const nlohmann::json json = read_json(json_path);
  EXPECT_EQ(json.at("complete"), true);
  EXPECT_EQ(json.at("cases").size(), kFourCasesCount);
  EXPECT_EQ(json.at("summary").at("crash"), kFourCasesCount);
  remove_report(json_path);
}

TEST(FaultIsolation, AbortIsACrashBySigabrtOfEveryCase) {
  const conf::Report report = run("faulty_abort", kFourCases);
  expect_every_case(report, kFourCasesCount, CaseStatus::crash);
  for (const auto& r : report.results()) {
    EXPECT_THAT(r.message, HasSubstr(signal_text(SIGABRT))) << r.id;
  }
}

TEST(FaultIsolation, ExceptionThroughTheCAbiIsACrashBySigabrtOfEveryCase) {
  const conf::Report report = run("faulty_throw_through_c", kFourCases);
  expect_every_case(report, kFourCasesCount, CaseStatus::crash);
  for (const auto& r : report.results()) {
    EXPECT_THAT(r.message, HasSubstr(signal_text(SIGABRT))) << r.id;
  }
}

TEST(FaultIsolation, HangIsATimeoutOfEachCaseAfterTheCaseTimeout) {
  const auto start = std::chrono::steady_clock::now();
  const conf::Report report =
      run("faulty_hang", "core.dtypes.f32.forward_train:core.dtypes.f32.forward_eval", 1.0);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  expect_every_case(report, 2, CaseStatus::timeout);
  for (const auto& r : report.results()) {
    EXPECT_THAT(r.message, HasSubstr("no result after 1 s")) << r.id;
    EXPECT_GE(r.seconds, 0.9) << r.id;
    EXPECT_LT(r.seconds, 10.0) << r.id << ": the timeout did not fire on time";
  }
  EXPECT_LT(seconds, 30.0);
}

TEST(FaultIsolation, BackendErrorIsReportedWithTheBackendsMessage) {
  const conf::Report report = run("faulty_backend_error", kFourCases);
  expect_every_case(report, kFourCasesCount, CaseStatus::backend_error);
  for (const auto& r : report.results()) {
    EXPECT_THAT(r.message, HasSubstr("simulated internal error (device lost)")) << r.id;
  }
}

TEST(FaultIsolation, NanOutputsFailEveryCaseWithAReasonNamingNan) {
  const conf::Report report = run("faulty_nan_everywhere", kFourCases);
  expect_every_case(report, kFourCasesCount, CaseStatus::fail);
  for (const auto& r : report.results()) {
    bool nan_reason = false;
    for (const auto& o : r.outputs) nan_reason |= !o.passed && o.reason.find("NaN") == 0;
    EXPECT_TRUE(nan_reason) << r.id << ": no failing output says NaN (" << r.message << ")";
  }
}

TEST(FaultIsolation, WritePastTheOutputFailsEveryForwardCaseAsPastTheEnd) {
  const conf::Report report = run("mutant_write_past_output", kFourCases);
  ASSERT_EQ(report.results().size(), kFourCasesCount);
  std::size_t forward = 0;
  for (const auto& r : report.results()) {
    if (r.operation.rfind("forward", 0) != 0) continue;  // the bug is in the forward kernels
    ++forward;
    EXPECT_EQ(r.status, CaseStatus::fail) << r.id << ": " << r.message;
    EXPECT_THAT(r.message, HasSubstr("past the end")) << r.id;
    EXPECT_THAT(r.message, HasSubstr("output y")) << r.id;
  }
  EXPECT_EQ(forward, 2u);
}

TEST(FaultIsolation, WritingIntoTheInputFailsAsModifiedInput) {
  const conf::Report report = run("mutant_modifies_input", kFourCases);
  ASSERT_EQ(report.results().size(), kFourCasesCount);
  std::size_t modified = 0;
  for (const auto& r : report.results()) {
    EXPECT_NE(r.status, CaseStatus::crash) << r.id << ": " << r.message;
    if (r.status == CaseStatus::fail && r.message.find("modified input x") != std::string::npos)
      ++modified;
  }
  EXPECT_GE(modified, 1u) << "no case reports the input x as modified";
}

// What Backend::open throws for `path` ("" if it does not throw a std::runtime_error).
std::string open_error(const std::string& path) {
  try {
    conf::Backend::open(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(BrokenLibrary, AbiVersion99IsRefusedOnOpenNamingThePathAndTheVersion) {
  const std::string path = plugin("faulty_bad_abi");
  const std::string error = open_error(path);
  EXPECT_THAT(error, HasSubstr(path));
  EXPECT_THAT(error, HasSubstr("ABI version 99"));
}

TEST(BrokenLibrary, NullTableIsRefusedOnOpenNamingThePath) {
  const std::string path = plugin("faulty_null_table");
  const std::string error = open_error(path);
  EXPECT_THAT(error, HasSubstr(path));
  EXPECT_THAT(error, HasSubstr("returned no backend"));
}

TEST(BrokenLibrary, MissingEntryPointIsRefusedOnOpenNamingThePathAndTheSymbol) {
  const std::string path = plugin("faulty_no_entry");
  const std::string error = open_error(path);
  EXPECT_THAT(error, HasSubstr(path));
  EXPECT_THAT(error, HasSubstr("does not export bnconf_backend_v1_entry"));
}

// A run of the hang backend in a child process (its own process group, so that the case
// processes it forks die with it) is SIGKILLed while a case hangs, after some cases have
// been reported; the JSON report must still parse and say what finished.
TEST(KilledRun, JsonReportIsValidAndIncompleteWhenTheRunIsKilledMidway) {
  const std::string json_path = temporary_path("killed");
  remove_report(json_path);
  constexpr std::size_t kSelected = 8;
  constexpr double kCaseTimeout = 0.5;  // 8 hanging cases: ≥ 4 s for the whole run
  std::fflush(nullptr);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0) << std::strerror(errno);
  if (child == 0) {
    ::setpgid(0, 0);
    int status = 0;
    try {
      conf::RunOptions options;
      options.filter = "core.dtypes.*";  // 16 cases
      options.shard_count = 2;           // every other one: 8
      options.timeout_seconds = kCaseTimeout;
      options.reports["json"] = json_path;
      conf::run_backend(conf::Backend::open(plugin("faulty_hang")), options);
    } catch (...) {
      status = 1;
    }
    ::_exit(status);
  }
  ::setpgid(child, child);  // either call wins the race; both make the same group

  // Wait for at least two finished cases (about 1 to 1.5 s), then kill the run mid-case.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::size_t listed = 0;
  while (listed < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(json_path);
    if (!in) continue;
    const auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (json.is_object() && json.contains("cases")) listed = json["cases"].size();
  }
  ASSERT_EQ(::kill(-child, SIGKILL), 0) << std::strerror(errno);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run ended before it was killed";
  ASSERT_GE(listed, 2u) << "no case reported within 120 s";

  nlohmann::json json;
  ASSERT_NO_THROW(json = read_json(json_path)) << json_path << " is not valid JSON";
  EXPECT_EQ(json.at("complete"), false);
  EXPECT_EQ(json.at("selected"), kSelected);
  const auto& cases = json.at("cases");
  EXPECT_GE(cases.size(), 2u);
  EXPECT_LT(cases.size(), kSelected);
  EXPECT_EQ(json.at("tests"), cases.size());
  EXPECT_EQ(json.at("summary").at("timeout"), cases.size());
  for (const auto& c : cases) {
    EXPECT_EQ(c.at("status"), "timeout") << c.dump();
    EXPECT_EQ(c.at("id").get<std::string>().rfind("core.dtypes.", 0), 0u) << c.dump();
  }
  remove_report(json_path);
}

}  // namespace
