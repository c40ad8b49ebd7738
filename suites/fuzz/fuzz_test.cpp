// The fuzzer (bnconf/fuzz/fuzz.hpp) with fixed seeds: every mutant of cpu-f32 (one realistic bug
// each) shows a failure within a few thousand drawn cases; the correct bundled backends show
// none; a finding's reproducer, run by `run` as a fixture set, fails the same output the same
// way; and the same seed draws the same cases.
#include "bnconf/fuzz/fuzz.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "bnconf/conformance/runner.hpp"
#include "mutant_libraries.hpp"

namespace bnconf::mutation_testing {
void PrintTo(const MutantLibrary& mutant, std::ostream* out) { *out << mutant.name; }
}  // namespace bnconf::mutation_testing

namespace bnconf::fuzz {
namespace {

namespace conf = conformance;
using mutation_testing::kMutantLibraries;
using mutation_testing::MutantLibrary;

#if defined(__SANITIZE_ADDRESS__)
constexpr double kCaseTimeoutSeconds = 120;
constexpr std::size_t kCleanCases = 250;  // per seed: the sanitizers run the paths, not the space
#else
constexpr double kCaseTimeoutSeconds = 20;
constexpr std::size_t kCleanCases = 1000;  // per seed
#endif

FuzzOptions options(std::uint64_t seed, std::size_t cases) {
  FuzzOptions o;
  o.seed = seed;
  o.cases = cases;
  o.timeout_seconds = kCaseTimeoutSeconds;
  o.limits.max_elements = 1024;  // small cases: more of the input space per second
  return o;
}

std::string findings_text(const FuzzReport& report) {
  std::string text;
  for (const auto& f : report.findings) {
    text += "\n  " + f.outcome.text() + ": " + f.shrunk.dump() + "\n    " + f.result.message;
  }
  return text;
}

class FuzzFindsMutant : public ::testing::TestWithParam<MutantLibrary> {};

// A bug the committed fixtures catch must not hide from the fuzzer either: it draws from the
// same input space, boundaries first. 3000 cases is about 10 s; most mutants show in under 20.
TEST_P(FuzzFindsMutant, WithinThreeThousandCases) {
  FuzzOptions o = options(7, 3000);
  o.stop_after_findings = 1;
  const FuzzReport report = fuzz(conf::Backend::open(GetParam().path), GetParam().path, o);
  ASSERT_FALSE(report.findings.empty())
      << GetParam().name << " survives " << report.executed << " fuzz cases (seed 7)";
  EXPECT_TRUE(report.findings.front().outcome.failed());
}

INSTANTIATE_TEST_SUITE_P(AllMutants, FuzzFindsMutant, ::testing::ValuesIn(kMutantLibraries),
                         [](const auto& info) { return std::string(info.param.name); });

// The other direction: a correct backend must never be reported. Three seeds on cpu-f32 (float
// arithmetic, f16/bf16 rounding) and one on the correctly rounded reference.
TEST(FuzzCorrectBackends, CpuF32AndTheReferenceShowNoFinding) {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    const FuzzReport report =
        fuzz(conf::Backend::open("cpu-f32"), "cpu-f32", options(seed, kCleanCases));
    EXPECT_EQ(report.executed, kCleanCases);
    EXPECT_TRUE(report.findings.empty()) << "cpu-f32, seed " << seed << findings_text(report);
  }
  const FuzzReport report =
      fuzz(conf::Backend::open("reference"), "reference", options(4, kCleanCases));
  EXPECT_TRUE(report.findings.empty()) << "reference" << findings_text(report);
}

// The reproducer is a fixture set of its own (the case's tier file and its manifest): `run`
// verifies and loads it, and the backend fails the same output the same way.
TEST(FuzzReproducer, RunFailsItTheSameWay) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "bnconf_fuzz_reproducer";
  std::filesystem::remove_all(dir);
  const MutantLibrary& mutant = kMutantLibraries[0];
  FuzzOptions o = options(7, 3000);
  o.stop_after_findings = 1;
  o.out_dir = dir.string();
  const FuzzReport report = fuzz(conf::Backend::open(mutant.path), mutant.path, o);
  ASSERT_EQ(report.findings.size(), 1u) << mutant.name;
  const Finding& finding = report.findings.front();
  ASSERT_FALSE(finding.repro_file.empty());
  EXPECT_NE(finding.repro_command.find(finding.repro_file), std::string::npos);

  conf::RunOptions run;
  run.fixtures = {finding.repro_file};
  run.timeout_seconds = kCaseTimeoutSeconds;
  const conf::Report rerun = conf::run_backend(conf::Backend::open(mutant.path), run);
  ASSERT_TRUE(rerun.info().load_errors.empty()) << rerun.info().load_errors.front();
  ASSERT_EQ(rerun.results().size(), 1u);
  EXPECT_EQ(outcome_of(rerun.results().front()), finding.outcome)
      << outcome_of(rerun.results().front()).text() << " vs " << finding.outcome.text();
  std::filesystem::remove_all(dir);
}

// Draws are a pure function of (seed, index, capabilities, limits): a seed replays its cases,
// and another seed draws others.
TEST(FuzzDraws, TheSameSeedAndIndexDrawTheSameCaseAndOtherSeedsOthers) {
  const auto caps = conf::Backend::open("cpu-f32").capabilities();
  std::size_t differing = 0;
  for (std::uint64_t index = 0; index < 50; ++index) {
    EXPECT_EQ(draw_case(5, index, caps, {}), draw_case(5, index, caps, {})) << index;
    differing += draw_case(5, index, caps, {}) != draw_case(6, index, caps, {});
  }
  EXPECT_GE(differing, 45u);
}

}  // namespace
}  // namespace bnconf::fuzz
