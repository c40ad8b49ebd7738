// Hostile plug-ins (issue 13): what a plug-in can do to the runner beyond its own verdict, one
// test per class, each through the runner's public entry points. A plug-in's code runs only in
// child processes (loaded and probed in one, each case in its own), so a crash or hang at load
// or in capabilities() is an error naming the library, never the end of the runner; each case's
// process is a process group killed with the case, with limits on memory, CPU time and the size
// of its result; outputs sit between guard pages, start as a poison that counts unwritten
// elements, and are retired after their call so that a late write is caught; text from a
// plug-in reaches the reports as valid UTF-8 and XML.
//
// Each test fails on the runner before issue 13 (recorded per test): there, open() loaded and
// probed in process, guards were 64 bytes, outputs were poisoned with NaN only and freed after
// the call, and nothing bounded a case but its timeout.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "bnconf/conformance/runner.hpp"
#include "fault_plugins.hpp"

namespace {

namespace conf = bnconf::conformance;
namespace fs = std::filesystem;
using conf::CaseStatus;
using testing::HasSubstr;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
constexpr double kCaseTimeoutSeconds = 120;
#else
constexpr bool kSanitized = false;
constexpr double kCaseTimeoutSeconds = 30;
#endif

constexpr const char* kFourCases = "core.dtypes.f32.*";
constexpr const char* kForwardCases = "core.dtypes.f32.forward_*";

std::string plugin(const std::string& name) {
  for (const auto& p : bnconf::fault_testing::kPlugins) {
    if (name == p.name) return p.path;
  }
  throw std::logic_error("no plug-in named " + name + " in fault_plugins.hpp");
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string open_error(const std::string& path, double probe_timeout = 30) {
  try {
    conf::Backend::open(path, probe_timeout);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

conf::Report run(const std::string& name, const std::string& filter,
                 conf::RunOptions options = {}) {
  options.filter = filter;
  if (options.timeout_seconds == 60) options.timeout_seconds = kCaseTimeoutSeconds;
  return conf::run_backend(conf::Backend::open(plugin(name)), options);
}

void expect_every(const conf::Report& report, std::size_t count, CaseStatus status,
                  const std::string& fragment) {
  ASSERT_EQ(report.results().size(), count);
  for (const auto& r : report.results()) {
    EXPECT_EQ(r.status, status) << r.id << ": " << conf::to_string(r.status) << ", " << r.message;
    EXPECT_THAT(r.message, HasSubstr(fragment)) << r.id;
  }
}

fs::path scratch(const std::string& name) {
  const auto* test = testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir = fs::temp_directory_path() /
                       ("bnconf-hostile-" + std::to_string(::getpid()) + "-" + test->name());
  fs::create_directories(dir);
  return dir / name;
}

// Loading: before, open() dlopened the library in the runner, so the constructor's null store
// killed the test process itself.
TEST(HostileLoad, CrashingConstructorIsAnErrorNamingTheLibraryAndTheSignal) {
  const std::string path = plugin("faulty_crash_on_load");
  const std::string error = open_error(path);
  EXPECT_THAT(error, HasSubstr(path));
  EXPECT_THAT(error, HasSubstr("failed"));
  if (!kSanitized) {
    EXPECT_THAT(error, HasSubstr("signal 11"));
  }
}

// Before: dlopen in the runner never returned.
TEST(HostileLoad, HangingConstructorIsAnErrorAfterTheProbeTimeout) {
  const auto start = std::chrono::steady_clock::now();
  const std::string error = open_error(plugin("faulty_hang_on_load"), 2);
  EXPECT_THAT(error, HasSubstr("did not finish"));
  EXPECT_THAT(error, HasSubstr("no result after 2 s"));
  EXPECT_LT(seconds_since(start), 20);
}

// Before: capabilities() ran in the runner and killed it.
TEST(HostileLoad, CrashingCapabilitiesIsAnErrorNamingTheLibrary) {
  const std::string path = plugin("faulty_crash_in_capabilities");
  const std::string error = open_error(path);
  EXPECT_THAT(error, HasSubstr(path));
  EXPECT_THAT(error, HasSubstr("failed"));
}

// Before: struct_size was never read, and a table shorter than version 1's was read past its end.
TEST(HostileLoad, TableShorterThanVersionOneIsRefusedNamingItsSize) {
  const std::string error = open_error(plugin("faulty_short_table"));
  EXPECT_THAT(error, HasSubstr("struct_size is 16 bytes"));
}

// Before: the thread ran in the runner, and the atexit handler, registered in the runner's
// process, hung its exit. Now neither runs there: the probe and every case end on their own.
TEST(HostileLoad, LingeringThreadAndAtexitHandlerDoNotHoldTheRunOrItsExit) {
  const auto start = std::chrono::steady_clock::now();
  std::fflush(nullptr);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // A process of its own that opens and runs the plug-in, then exits normally (running the
    // atexit handlers of this process, which must not include the plug-in's).
    conf::RunOptions options;
    options.filter = kFourCases;
    options.timeout_seconds = kCaseTimeoutSeconds;
    const conf::Report report =
        conf::run_backend(conf::Backend::open(plugin("faulty_linger")), options);
    std::exit(report.results().size() == 4 && report.counts().at(CaseStatus::fail) == 4 ? 0 : 1);
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  pid_t done = 0;
  while ((done = ::waitpid(child, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    ::usleep(20000);
  }
  if (done == 0) ::kill(child, SIGKILL);
  ASSERT_EQ(done, child) << "the run or its exit hung";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_LT(seconds_since(start), 120);
}

// A name that is not a backend is refused without loading any discovered library: before, the
// list of known names came from list_backends(), which loaded (and here hung on) every one.
TEST(HostileLoad, UnknownNameIsRefusedWithoutLoadingTheDiscoveredLibraries) {
  const fs::path dir = scratch("discovered");
  fs::create_directories(dir);
  fs::create_symlink(plugin("faulty_hang_on_load"), dir / "libbnconf_backend_hangs.so");
  ::setenv("BNCONF_BACKEND_PATH", dir.c_str(), 1);
  const auto start = std::chrono::steady_clock::now();
  const std::string error = open_error("typo");
  ::unsetenv("BNCONF_BACKEND_PATH");
  EXPECT_THAT(error, HasSubstr("no backend named 'typo'"));
  EXPECT_THAT(error, HasSubstr("hangs"));
  EXPECT_LT(seconds_since(start), 5);
  fs::remove_all(dir.parent_path());
}

// `bnconf backends` probes each discovered library in a child: one that crashes and one that
// hangs are listed with their errors, and the listing ends.
TEST(HostileLoad, ListingSurvivesLibrariesThatCrashOrHang) {
  const fs::path dir = scratch("discovered");
  fs::create_directories(dir);
  fs::create_symlink(plugin("faulty_crash_on_load"), dir / "libbnconf_backend_crashes.so");
  fs::create_symlink(plugin("faulty_hang_on_load"), dir / "libbnconf_backend_hangs.so");
  fs::create_symlink(plugin("faulty_bad_text"), dir / "libbnconf_backend_text.so");
  ::setenv("BNCONF_BACKEND_PATH", dir.c_str(), 1);
  const auto listings = conf::list_backends(2);
  ::unsetenv("BNCONF_BACKEND_PATH");
  std::size_t errors = 0, listed = 0;
  for (const auto& l : listings) {
    if (l.origin.find(dir.string()) == std::string::npos) continue;
    ++listed;
    if (!l.error.empty()) ++errors;
    // The bad name arrives printable: no control character, valid UTF-8 ("\x01" shown escaped).
    for (char c : l.name + l.version) EXPECT_FALSE(c >= 0 && c < 0x20) << l.name;
  }
  EXPECT_EQ(listed, 3u);
  EXPECT_EQ(errors, 2u);
  fs::remove_all(dir.parent_path());
}

// The invariant itself: after opening a plug-in and running cases on it, the runner's process has
// never mapped the library. Before, Backend::open dlopened it here.
TEST(HostileLoad, TheRunnersProcessNeverMapsThePlugin) {
  const std::string path = plugin("faulty_nan_everywhere");
  const conf::Report report = run("faulty_nan_everywhere", "core.dtypes.f32.forward_eval");
  ASSERT_EQ(report.results().size(), 1u);
  std::ifstream maps("/proc/self/maps");
  std::stringstream text;
  text << maps.rdbuf();
  EXPECT_EQ(text.str().find(fs::path(path).filename().string()), std::string::npos)
      << "the plug-in is mapped into the runner's process";
}

// Guard pages: before, the guards were 64 bytes and an underflow of 4 KiB wrote unseen into
// other memory.
TEST(HostileMemory, UnderflowOfFourKibibytesHitsTheGuardPageAndFailsNamingTheOutput) {
  const conf::Report report = run("faulty_write_before_output", kForwardCases);
  expect_every(report, 2, CaseStatus::fail, "before the start of output y");
  for (const auto& r : report.results()) EXPECT_THAT(r.message, HasSubstr("guard page")) << r.id;
}

// Retired outputs: before, the buffer was freed when the call returned and the thread's writes
// landed wherever the memory went next.
TEST(HostileMemory, ThreadStillWritingAfterTheCallReturnedFailsTheCase) {
  const conf::Report report = run("faulty_write_after_return", kForwardCases);
  expect_every(report, 2, CaseStatus::fail, "output y after its call returned");
}

// The unwritten poison: before, y started as NaN, so a backend that wrote nothing passed this
// case, whose every expected y is NaN (running means of NaN in eval).
TEST(HostileMemory, OutputNeverWrittenFailsEvenWhereNanIsExpected) {
  const conf::Report report =
      run("faulty_unwritten_output",
          "ieee.special_running.running_mean_nan.forward_eval:core.dtypes.f32.forward_eval");
  expect_every(report, 2, CaseStatus::fail, "unwritten");
  for (const auto& r : report.results()) {
    EXPECT_THAT(r.message, HasSubstr("element(s) of output y unwritten")) << r.id;
  }
}

// The result-size limit: before, the runner read whatever the pipe brought, and 3 GiB per case
// exhausted it.
TEST(HostileLimits, FloodingTheResultPipeIsAResourceLimitNamingIt) {
  const conf::Report report = run("faulty_flood_result_pipe", "core.dtypes.f32.forward_eval");
  expect_every(report, 1, CaseStatus::resource_limit, "bytes of results");
}

// Process groups: before, the grandchild held the result pipe open, so the runner waited for
// end-of-file until the timeout (every case a timeout) and the grandchild outlived the run.
TEST(HostileLimits, GrandchildHoldingThePipeNeitherStallsTheCaseNorOutlivesIt) {
  const fs::path pid_file = scratch("pids");
  ::setenv("BNCONF_TEST_PID_FILE", pid_file.c_str(), 1);
  conf::RunOptions options;
  options.timeout_seconds = 20;
  const conf::Report report = run("faulty_fork_holding_pipe", kForwardCases, options);
  ::unsetenv("BNCONF_TEST_PID_FILE");
  ASSERT_EQ(report.results().size(), 2u);
  for (const auto& r : report.results()) {
    EXPECT_EQ(r.status, CaseStatus::fail) << r.id << ": " << r.message;  // NaN outputs
    EXPECT_LT(r.seconds, 10) << r.id << ": the case waited on its grandchild";
  }
  std::ifstream pids(pid_file);
  std::size_t checked = 0;
  for (int pid = 0; pids >> pid; ++checked) {
    // Gone, or at most a zombie waiting for init to reap it.
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (std::getline(stat, line)) {
      const auto state = line.substr(line.rfind(')') + 2, 1);
      EXPECT_EQ(state, "Z") << "grandchild " << pid << " still runs: " << line;
    }
  }
  EXPECT_EQ(checked, 2u);
  fs::remove_all(pid_file.parent_path());
}

// The memory limit (RLIMIT_DATA): before, nothing bounded a case's memory but the machine's.
TEST(HostileLimits, EatingMemoryIsAResourceLimitNamingTheMemoryLimit) {
  if (kSanitized) GTEST_SKIP() << "no memory limit under AddressSanitizer (its shadow memory)";
  conf::RunOptions options;
  options.memory_limit_bytes = std::uint64_t{512} << 20;
  const conf::Report report = run("faulty_eat_memory", "core.dtypes.f32.forward_eval", options);
  expect_every(report, 1, CaseStatus::resource_limit, "memory limit of 512 MiB");
}

// The CPU limit (RLIMIT_CPU): before, a spinning case was a timeout only, however long it burnt.
TEST(HostileLimits, BurningCpuIsAResourceLimitNamingTheCpuLimit) {
  conf::RunOptions options;
  options.cpu_limit_seconds = 1;
  const auto start = std::chrono::steady_clock::now();
  const conf::Report report = run("faulty_burn_cpu", "core.dtypes.f32.forward_eval", options);
  expect_every(report, 1, CaseStatus::resource_limit, "CPU time limit of 1 s");
  EXPECT_LT(seconds_since(start), 15);
}

bool python_parses_xml(const fs::path& path) {
  const std::string command =
      "python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' '" +
      path.string() + "' 2>&1";
  return std::system(command.c_str()) == 0;
}

// Text: before, nlohmann's dump() threw on the invalid UTF-8 and the run ended without a report;
// the XML escape let control characters through.
TEST(HostileText, InvalidUtf8ControlCharactersAndMarkupReachValidJsonAndXml) {
  const fs::path json_path = scratch("r.json"), xml_path = scratch("r.xml");
  conf::RunOptions options;
  options.reports["json"] = json_path.string();
  options.reports["junit"] = xml_path.string();
  const conf::Report report = run("faulty_bad_text", kFourCases, options);
  ASSERT_EQ(report.results().size(), 4u);
  for (const auto& r : report.results()) EXPECT_EQ(r.status, CaseStatus::backend_error) << r.id;
  std::ifstream json_in(json_path);
  nlohmann::json json;
  ASSERT_NO_THROW(json = nlohmann::json::parse(json_in)) << "the JSON report is not valid";
  EXPECT_THAT(json["cases"][0]["message"].get<std::string>(), HasSubstr("\xEF\xBF\xBD"));
  EXPECT_THAT(json["backend"]["name"].get<std::string>(), HasSubstr("bad"));
  if (std::system("python3 -c 'import xml.dom.minidom' 2>/dev/null") == 0) {
    EXPECT_TRUE(python_parses_xml(xml_path)) << "the JUnit report is not well-formed XML";
  }
  std::ifstream xml_in(xml_path);
  std::stringstream xml;
  xml << xml_in.rdbuf();
  for (char c : xml.str()) {
    EXPECT_FALSE(c >= 0 && c < 0x20 && c != '\n') << "raw control character in the XML";
  }
  fs::remove_all(json_path.parent_path());
}

}  // namespace
