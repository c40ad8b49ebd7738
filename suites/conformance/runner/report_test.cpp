// Reports: the JSON carries the contract's fields and stays valid after every rewrite; JUnit and
// the count line agree with it; rewrites are throttled but the last one holds every case.
// Whatever the text (invalid UTF-8, control characters, markup) both stay valid; a run that did
// not finish is visible in JUnit; a destination that is not a regular file is refused, two runs
// cannot write one report, and a write that fails keeps the last complete report and says where.
#include "bnconf/conformance/report.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bnconf/conformance/judge.hpp"
#include "bnconf/conformance/report_formats.hpp"
#include "bnconf/conformance/runner.hpp"

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
        {"y", 24, 3, false, 0.5, 1e-6, "[1, 2, 3]", 0.25, 0.75, "error above bound", 24, {}});
  }
  return r;
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(Report, JsonIsValidAfterEveryRewriteAndCompleteAtTheEnd) {
  const fs::path dir = fs::temp_directory_path() / ("bnconf-report-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path json = dir / "r.json", junit = dir / "r.xml";
  Report report({"mine", "1.2", "./libmine.so", {"fixtures"}, 3, {}},
                {{"json", json.string()}, {"junit", junit.string()}}, std::chrono::milliseconds(0));
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
  // The contract's count line, extended (never reordered) by internal_error, resource_limit and
  // mistrusted.
  EXPECT_EQ(report.count_line(),
            "tests:3 pass:1 fail:1 unsupported:0 crash:1 timeout:0 backend_error:0 "
            "internal_error:0 resource_limit:0 mistrusted:0");
  fs::remove_all(dir);
}

TEST(Report, RewritesAreThrottledButFinishAlwaysWritesEveryCase) {
  const fs::path dir =
      fs::temp_directory_path() / ("bnconf-report-throttle-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path json = dir / "r.json";
  Report report({"mine", "1", "x", {}, 3, {}}, {{"json", json.string()}}, std::chrono::hours(1));
  report.add(result("core.a", CaseStatus::pass));
  report.add(result("core.b", CaseStatus::fail));
  EXPECT_EQ(read_json(json)["cases"].size(), 0u);  // within the interval: not yet rewritten
  report.finish();
  const auto j = read_json(json);
  EXPECT_EQ(j["complete"], true);
  EXPECT_EQ(j["cases"].size(), 2u);
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

// A counter prints every digit: a wrapped int32 counter (-2147483648 for 2147483648) and one that
// lost its last step as a float, in the terminal and JUnit texts and the JSON, where 9
// significant digits ("2.14748365e+09") would hide the difference.
TEST(Report, CounterValuesPrintEveryDigit) {
  const fs::path dir = fs::path(::testing::TempDir()) / "bnconf_counter_report";
  fs::remove_all(dir);
  fs::create_directories(dir);
  Report report({"mine", "1", "x", {}, 2, {}},
                {{"json", (dir / "r.json").string()}, {"junit", (dir / "r.xml").string()}});
  const struct {
    double expected, actual;
    const char* text;
  } counters[] = {{2147483648.0, -2147483648.0,
                   "expected 2147483648, actual -2147483648, error 4294967296, bound 0"},
                  {9007199254740991.0, 9007199254740990.0,
                   "expected 9007199254740991, actual 9007199254740990, error 1, bound 0"}};
  for (const auto& c : counters) {
    CaseResult r = result(c.text, CaseStatus::fail);
    r.outputs = {compare_output("num_batches_tracked", bnconf::cases::Array::scalar(c.expected),
                                bnconf::cases::Array::scalar(c.actual), {0.0})};
    ASSERT_TRUE(r.outputs[0].integer);
    ASSERT_FALSE(r.outputs[0].passed);
    report.add(r);
  }
  report.finish();
  std::stringstream junit;
  junit << std::ifstream(dir / "r.xml").rdbuf();
  for (const auto& c : counters) {
    EXPECT_NE(report.terminal_summary().find(c.text), std::string::npos)
        << report.terminal_summary();
    EXPECT_NE(junit.str().find(c.text), std::string::npos) << junit.str();
  }
  const auto j = read_json(dir / "r.json");
  const auto& output = j["cases"][0]["outputs"][0];
  EXPECT_TRUE(output["expected"].is_number_integer()) << output;
  EXPECT_EQ(output["expected"].get<std::int64_t>(), 2147483648);
  EXPECT_EQ(output["actual"].get<std::int64_t>(), -2147483648);
  EXPECT_EQ(output["reason"], "error 4294967296 above bound 0 (1 of 1 elements)");
  // A real output keeps its 9 digits.
  EXPECT_EQ(value_text(2147483648.0, false), "2.14748365e+09");
  EXPECT_EQ(value_text(2147483648.5, true), "2.14748365e+09");  // not whole: no counter's value
  fs::remove_all(dir);
}

// Every case that did not pass carries the one command that reruns just it: the run's backend
// (a bundled one by name, a plug-in by path, a results file through `check`), its fixtures
// unless they are the committed set, and a filter naming the case, quoted for a shell where
// needed; the JSON gives it with error / bound per output and what the case is.
TEST(Report, EachFailureCarriesTheCommandThatRerunsJustIt) {
  const fs::path dir = fs::path(::testing::TempDir()) / "bnconf_rerun_report";
  fs::remove_all(dir);
  fs::create_directories(dir);
  struct Expected {
    RunInfo info;
    std::string command;
  };
  const Expected runs[] = {
      {{"cpu-f32", "1", "bundled", {default_fixtures_path()}, 1, {}},
       "bnconf run --backend cpu-f32 --filter core.b"},
      {{"mine", "1", "/opt/my backend.so", {"/data/set"}, 1, {}},
       "bnconf run --backend '/opt/my backend.so' --fixtures /data/set --filter core.b"},
      {{"torch", "2", "/tmp/results.h5", {default_fixtures_path()}, 1, {}},
       "bnconf check --results /tmp/results.h5 --filter core.b"},
  };
  for (const auto& run : runs) {
    Report report(run.info, {{"json", (dir / "r.json").string()}});
    CaseResult failing = result("core.b", CaseStatus::fail);
    failing.description = "what the case is";
    failing.shape = {2, 3};
    report.add(failing);
    report.add(result("core.a", CaseStatus::pass));
    report.finish();
    EXPECT_NE(report.terminal_summary().find("rerun: " + run.command), std::string::npos)
        << report.terminal_summary();
    const auto j = read_json(dir / "r.json");
    const auto& b = j["cases"][0];
    EXPECT_EQ(b["rerun"], run.command);
    EXPECT_EQ(b["description"], "what the case is");
    EXPECT_EQ(b["shape"], nlohmann::json::array({2, 3}));
    EXPECT_DOUBLE_EQ(b["outputs"][0]["ratio"].get<double>(), 0.5 / 1e-6);
    EXPECT_FALSE(j["cases"][1].contains("rerun")) << "a passing case needs no rerun";
    fs::remove(dir / "r.json");
  }
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

namespace {

using namespace bnconf::conformance;
namespace fs = std::filesystem;

fs::path scratch_dir() {
  const auto* test = testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir = fs::temp_directory_path() /
                       ("bnconf-report-" + std::to_string(::getpid()) + "-" + test->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string refusal(const std::string& path) {
  try {
    Report report({"mine", "1", "x", {}, 0, {}}, {{"json", path}});
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

const char* const kBadText = "bad \x80 \xC0\xAF \xED\xA0\x80 \x01\x1B[31m <a b=\"&\"> \xF0\x9F";

// Before: nlohmann's dump() threw type_error 316 on the first invalid byte, ending the run with
// no report; the XML escape passed control characters through.
TEST(ReportText, InvalidUtf8AndControlCharactersGiveValidJsonXmlAndHtml) {
  const fs::path dir = scratch_dir();
  RunInfo info{kBadText, kBadText, kBadText, {kBadText}, 1, {kBadText}};
  Report report(info, {{"json", (dir / "r.json").string()},
                       {"junit", (dir / "r.xml").string()},
                       {"html", (dir / "r.html").string()}});
  CaseResult r;
  r.id = std::string("core.") + kBadText;
  r.tier = "core";
  r.operation = "forward_eval";
  r.status = CaseStatus::backend_error;
  r.message = kBadText;
  report.add(r);
  report.finish();
  EXPECT_TRUE(report.write_errors().empty());
  nlohmann::json json;
  ASSERT_NO_THROW(json = nlohmann::json::parse(read_text(dir / "r.json")));
  EXPECT_NE(json["cases"][0]["message"].get<std::string>().find("\xEF\xBF\xBD"), std::string::npos);
  const std::string xml = read_text(dir / "r.xml");
  for (char c : xml) EXPECT_FALSE(c >= 0 && c < 0x20 && c != '\n') << "raw control character";
  EXPECT_EQ(xml.find("\x80"), std::string::npos) << "invalid UTF-8 in the XML";
  EXPECT_EQ(xml.find("<a b="), std::string::npos) << "markup not escaped";
  if (std::system("python3 -c 'import xml.dom.minidom' 2>/dev/null") == 0) {
    const std::string check =
        "python3 -c 'import sys, xml.dom.minidom; "
        "xml.dom.minidom.parse(sys.argv[1])' '" +
        (dir / "r.xml").string() + "'";
    EXPECT_EQ(std::system(check.c_str()), 0) << "the JUnit report is not well-formed XML";
  }
  // The HTML page is written to be well-formed XML too (html_report.cpp), so the same checks hold.
  const std::string html = read_text(dir / "r.html");
  for (char c : html) EXPECT_FALSE(c >= 0 && c < 0x20 && c != '\n') << "raw control character";
  // (The page has multi-byte characters of its own: look for the bad text's bytes.)
  EXPECT_EQ(html.find("bad \x80"), std::string::npos) << "invalid UTF-8 in the HTML";
  EXPECT_NE(html.find("bad \xEF\xBF\xBD"), std::string::npos) << "not replaced by U+FFFD";
  EXPECT_EQ(html.find("<a b="), std::string::npos) << "markup not escaped";
  if (std::system("python3 -c 'import xml.dom.minidom' 2>/dev/null") == 0) {
    const std::string check =
        "python3 -c 'import sys, xml.dom.minidom; "
        "xml.dom.minidom.parse(sys.argv[1])' '" +
        (dir / "r.html").string() + "'";
    EXPECT_EQ(std::system(check.c_str()), 0) << "the HTML report is not well-formed";
  }
  fs::remove_all(dir);
}

// Before: the JUnit of a killed run listed what finished and nothing else: finished and green.
TEST(ReportJunit, RunThatDidNotFinishAndLoadErrorsAreErrors) {
  const fs::path dir = scratch_dir();
  RunInfo info{"mine", "1", "x", {}, 3, {"fixtures/core.h5: case x: eps: should be finite"}};
  Report report(info, {{"junit", (dir / "r.xml").string()}}, std::chrono::milliseconds(0));
  CaseResult passed;
  passed.id = "core.a";
  passed.tier = "core";
  report.add(passed);
  const std::string running = read_text(dir / "r.xml");
  EXPECT_NE(running.find("name=\"incomplete\""), std::string::npos) << running;
  EXPECT_NE(running.find("1 of 3 selected cases reported"), std::string::npos) << running;
  EXPECT_NE(running.find("name=\"load_error\""), std::string::npos) << running;
  EXPECT_NE(running.find("errors=\"2\""), std::string::npos) << running;
  report.finish();
  const std::string done = read_text(dir / "r.xml");
  EXPECT_EQ(done.find("name=\"incomplete\""), std::string::npos) << done;
  EXPECT_NE(done.find("name=\"load_error\""), std::string::npos) << done;
  fs::remove_all(dir);
}

// Before: the report was renamed over whatever the path named, a device node included (so this
// test uses a FIFO of its own, never a device: on the old code, as root, it would replace it).
TEST(ReportDestination, AnythingButARegularFileIsRefused) {
  const fs::path dir = scratch_dir();
  const std::string fifo = (dir / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_NE(refusal(fifo).find(fifo + ": is a FIFO"), std::string::npos);
  EXPECT_NE(refusal(dir.string()).find("is a directory"), std::string::npos);
  fs::create_symlink(dir / "elsewhere.json", dir / "link.json");
  EXPECT_NE(refusal((dir / "link.json").string()).find("is a symbolic link"), std::string::npos);
  // A directory that cannot be made (a file stands in its place) is named.
  std::ofstream(dir / "a-file") << "";
  EXPECT_NE(refusal((dir / "a-file" / "sub" / "r.json").string())
                .find("cannot create its directory " + (dir / "a-file" / "sub").string()),
            std::string::npos);
  fs::remove_all(dir);
}

// Before the maintenance branch: a report path in a directory that did not exist was refused.
TEST(ReportDestination, MissingDirectoriesAreMade) {
  const fs::path dir = scratch_dir();
  const fs::path path = dir / "missing" / "and" / "more" / "r.json";
  {
    Report report({"mine", "1", "x", {}, 1, {}}, {{"json", path.string()}});
    report.add(result("core.a", CaseStatus::pass));
    report.finish();
    EXPECT_TRUE(report.write_errors().empty());
  }
  EXPECT_TRUE(read_json(path)["complete"].get<bool>());
  fs::remove_all(dir);
}

// Before: two runs writing one report replaced each other's file after every case.
TEST(ReportDestination, TwoRunsCannotWriteOneReport) {
  const fs::path dir = scratch_dir();
  const std::string path = (dir / "r.json").string();
  Report first({"mine", "1", "x", {}, 0, {}}, {{"json", path}});
  EXPECT_NE(refusal(path).find("another bnconf run is writing this report"), std::string::npos);
  fs::remove_all(dir);
}

// Before: a failed write threw out of Report::add, ending the run, and left its temporary file.
// Here the file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored as bnconf does) stands for a full
// disk: the report stops growing, each failure is recorded with the path, the file keeps the last
// complete report, and no temporary is left. In a child process, which the limit would outlive.
TEST(ReportWrite, FailureKeepsTheLastCompleteReportAndSaysWhere) {
  const fs::path dir = scratch_dir();
  const std::string path = (dir / "r.json").string();
  std::fflush(nullptr);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    Report report({"mine", "1", "x", {}, 100, {}}, {{"json", path}}, std::chrono::milliseconds(0));
    for (int i = 0; i < 100; ++i) {
      CaseResult r;
      r.id = "core.case" + std::to_string(i);
      r.tier = "core";
      report.add(r);
    }
    report.finish();
    const auto errors = report.write_errors();
    const bool said = errors.size() == 1 && errors[0].find(path +
                                                           ": cannot be written: File too "
                                                           "large") != std::string::npos;
    ::_exit(said ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the write error was not reported";
  nlohmann::json json;
  ASSERT_NO_THROW(json = nlohmann::json::parse(read_text(path))) << "the last report was lost";
  EXPECT_GT(json["cases"].size(), 0u);
  EXPECT_LT(json["cases"].size(), 100u);
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos)
        << "temporary left: " << entry.path();
  }
  fs::remove_all(dir);
}

// The directory of the report removed during the run: the run goes on, the error names the path.
TEST(ReportWrite, RemovedDirectoryIsAWriteErrorNotTheEndOfTheRun) {
  const fs::path dir = scratch_dir();
  const std::string path = (dir / "r.json").string();
  Report report({"mine", "1", "x", {}, 2, {}}, {{"json", path}}, std::chrono::milliseconds(0));
  fs::remove_all(dir);
  CaseResult r;
  r.id = "core.a";
  r.tier = "core";
  EXPECT_NO_THROW(report.add(r));
  ASSERT_EQ(report.write_errors().size(), 1u);
  EXPECT_NE(report.write_errors()[0].find(path + ": cannot be written: No such file or directory"),
            std::string::npos)
      << report.write_errors()[0];
}

}  // namespace
