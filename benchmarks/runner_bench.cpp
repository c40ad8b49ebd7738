// Where a conformance run spends its time: loading and verifying the fixtures, the harness
// around each call (encoding, guard regions, input checks, decoding; measured with a backend
// that does nothing), the backend itself (cpu-f32), judging, and process isolation. Each
// benchmark covers every case of the committed set that cpu-f32 supports.
#include <benchmark/benchmark.h>

#include "bnconf/adapter.hpp"
#include "bnconf/backends/bundled.hpp"
#include "bnconf/conformance/isolation.hpp"
#include "bnconf/conformance/judge.hpp"
#include "bnconf/conformance/runner.hpp"

namespace {

namespace conf = bnconf::conformance;

// Declares what cpu-f32 declares and returns at once: the harness cost without a computation.
class NullBackend : public bnconf::adapter::Backend {
 public:
  const char* name() const override { return "null"; }
  const char* version() const override { return "0"; }
  bnconf_capabilities capabilities() const override {
    bnconf_capabilities c{};
    bnconf_cpu_f32_backend()->capabilities(&c);
    return c;
  }
  void forward_train(const bnconf_params&, const bnconf_tensor&, const bnconf_vector&,
                     const bnconf_vector&, const bnconf_running*, bnconf_tensor_out,
                     bnconf_vector_out, bnconf_vector_out, bnconf_vector_out,
                     bnconf_running_out*) override {}
  void forward_eval(const bnconf_params&, const bnconf_tensor&, const bnconf_vector&,
                    const bnconf_vector&, const bnconf_running*, bnconf_tensor_out) override {}
  void backward_train(const bnconf_params&, const bnconf_tensor&, const bnconf_tensor&,
                      const bnconf_vector&, bnconf_tensor_out, bnconf_vector_out,
                      bnconf_vector_out) override {}
  void backward_eval(const bnconf_params&, const bnconf_tensor&, const bnconf_tensor&,
                     const bnconf_vector&, const bnconf_running*, bnconf_tensor_out,
                     bnconf_vector_out, bnconf_vector_out) override {}
};

const bnconf::formats::FixtureSet& fixtures() {
  static const auto set = bnconf::formats::load_fixture_set({conf::default_fixtures_path()});
  return set;
}

// The cases cpu-f32 runs (the others are decided from capabilities alone).
std::vector<const bnconf::cases::Case*> supported_cases() {
  const auto backend = conf::Backend::from_table(bnconf_cpu_f32_backend(), "bundled");
  std::vector<const bnconf::cases::Case*> cases;
  for (const auto* c : conf::select_cases(fixtures(), {})) {
    if (conf::unsupported_reason(backend.capabilities(), *c).empty()) cases.push_back(c);
  }
  return cases;
}

void BM_LoadAndVerifyFixtures(benchmark::State& state) {
  for (auto _ : state) {
    auto set = bnconf::formats::load_fixture_set({conf::default_fixtures_path()});
    benchmark::DoNotOptimize(set.cases.data());
  }
}

void execute_all(benchmark::State& state, const conf::Backend& backend) {
  const auto cases = supported_cases();
  for (auto _ : state) {
    for (const auto* c : cases) benchmark::DoNotOptimize(conf::execute_case(backend, *c));
  }
  state.counters["cases"] = static_cast<double>(cases.size());
}

void BM_HarnessOnly_NullBackend(benchmark::State& state) {
  execute_all(state,
              conf::Backend::from_table(bnconf::adapter::detail::table_of<NullBackend>(), "null"));
}

void BM_HarnessAndBackend_CpuF32(benchmark::State& state) {
  execute_all(state, conf::Backend::from_table(bnconf_cpu_f32_backend(), "bundled"));
}

void BM_JudgeOnly(benchmark::State& state) {
  const auto backend = conf::Backend::from_table(bnconf_cpu_f32_backend(), "bundled");
  const auto cases = supported_cases();
  std::vector<conf::Execution> executions;
  for (const auto* c : cases) executions.push_back(conf::execute_case(backend, *c));
  for (auto _ : state) {
    for (std::size_t i = 0; i < cases.size(); ++i) {
      conf::CaseResult result = conf::new_result(*cases[i]);
      conf::judge_execution(*cases[i], executions[i], result);
      benchmark::DoNotOptimize(result.status);
    }
  }
}

void BM_IsolationOnly_ForkPerCase(benchmark::State& state) {
  const auto cases = supported_cases();
  for (auto _ : state) {
    for (std::size_t i = 0; i < cases.size(); ++i) {
      benchmark::DoNotOptimize(conf::run_isolated([] { return conf::Execution{}; }, 10));
    }
  }
}

void BM_FullRun_CpuF32(benchmark::State& state) {
  const auto backend = conf::Backend::from_table(bnconf_cpu_f32_backend(), "bundled");
  for (auto _ : state) benchmark::DoNotOptimize(conf::run_backend(backend, {}).results().size());
}

BENCHMARK(BM_LoadAndVerifyFixtures)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HarnessOnly_NullBackend)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HarnessAndBackend_CpuF32)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_JudgeOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_IsolationOnly_ForkPerCase)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FullRun_CpuF32)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
