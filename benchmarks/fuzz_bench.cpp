// Fuzzing throughput (docs/fuzzing.md, docs/performance.md): drawn cases per second through the
// whole loop (draw, build with the reference, run in a child process, judge) on cpu-f32 and on
// the reference, by the largest x drawn; the peer in the same run is drawing and building alone
// (no backend, no process), so the ratio says what isolation and execution add.
#include <benchmark/benchmark.h>

#include <string>

#include "bnconf/conformance/backend.hpp"
#include "bnconf/fuzz/draw.hpp"
#include "bnconf/fuzz/fuzz.hpp"
#include "bnconf/generators/build_case.hpp"
#include "bnconf/generators/catalogue.hpp"

namespace {

namespace conf = bnconf::conformance;
namespace fuzz = bnconf::fuzz;

constexpr std::size_t kCasesPerIteration = 64;

void BM_DrawAndBuild(benchmark::State& state) {
  const auto backend = conf::Backend::open("cpu-f32");
  fuzz::DrawLimits limits;
  limits.max_elements = static_cast<std::size_t>(state.range(0));
  std::uint64_t index = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < kCasesPerIteration; ++i, ++index) {
      const auto object = fuzz::draw_case(1, index, backend.capabilities(), limits);
      try {
        const auto c = bnconf::generators::build_case(
            bnconf::generators::entry_from_json(object, "bench", "core"));
        benchmark::DoNotOptimize(c.expected.size());
      } catch (const std::exception&) {  // a draw that is not a case: counted as the loop does
      }
    }
  }
  state.counters["cases_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kCasesPerIteration), benchmark::Counter::kIsRate);
}

void BM_Fuzz(benchmark::State& state, const std::string& backend_name) {
  const auto backend = conf::Backend::open(backend_name);
  fuzz::FuzzOptions options;
  options.limits.max_elements = static_cast<std::size_t>(state.range(0));
  options.cases = kCasesPerIteration;
  std::size_t executed = 0;
  for (auto _ : state) {
    ++options.seed;  // new cases every iteration
    const auto report = fuzz::fuzz(backend, backend_name, options);
    executed += report.executed;
    if (!report.findings.empty()) state.SkipWithError("a correct backend has a finding");
  }
  state.counters["cases_per_s"] =
      benchmark::Counter(static_cast<double>(executed), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_DrawAndBuild)
    ->Name("fuzz/draw_and_build")
    ->Arg(64)
    ->Arg(1024)
    ->Arg(16384)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Fuzz, cpu_f32, std::string("cpu-f32"))
    ->Name("fuzz/cpu-f32")
    ->Arg(64)
    ->Arg(1024)
    ->Arg(16384)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Fuzz, reference, std::string("reference"))
    ->Name("fuzz/reference")
    ->Arg(64)
    ->Arg(1024)
    ->Arg(16384)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
