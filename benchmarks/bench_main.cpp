// The bnconf benchmark binary: the reference's forward_train, forward_eval and backward_train on
// (32, 64, 56, 56) f64 in both layouts, a memory-copy peer of the same size, the extra memory the
// reference uses, and (when built with libtorch, see bench_torch.cpp) the same operations through
// libtorch, so that every ratio comes from one run. docs/performance.md has the figures.
#include <benchmark/benchmark.h>
#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <numbers>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bnconf/reference/batch_norm.hpp"
#include "bnconf/reference/execution.hpp"
#include "bnconf/reference/spec.hpp"
#include "bnconf/reference/tensor.hpp"
#include "common.hpp"

namespace bnconf::bench {
namespace {

namespace ref = bnconf::reference;

std::int64_t status_field_bytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::istringstream in(line.substr(field.size() + 1));
      std::int64_t kib = -1;
      in >> kib;
      return kib < 0 ? -1 : kib * 1024;
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Reference inputs, built once per layout from input_values().

struct ReferenceInputs {
  ref::Tensor x;
  ref::Tensor dy;
  ref::AffineParams params;
  ref::RunningStats running;
};

ref::Tensor make_input(const std::vector<double>& values, ref::Layout layout) {
  const ref::Shape shape(kShape.begin(), kShape.end());
  ref::Tensor t = ref::make_tensor(shape, ref::Layout::channels_first);
  std::copy(values.begin(), values.end(), t.data());  // channels-first storage is NCHW row-major
  return layout == ref::Layout::channels_first ? t : ref::to_layout(t, layout);
}

ReferenceInputs build_reference_inputs(ref::Layout layout) {
  const InputValues& v = input_values();
  ReferenceInputs in{make_input(v.x, layout), make_input(v.dy, layout),
                     ref::default_affine(kChannels), ref::default_running_stats(kChannels)};
  for (std::size_t c = 0; c < kChannels; ++c) {
    in.params.weight(c) = v.weight[c];
    in.params.bias(c) = v.bias[c];
    in.running.mean(c) = v.running_mean[c];
    in.running.var(c) = v.running_var[c];
  }
  return in;
}

const ReferenceInputs& reference_inputs(ref::Layout layout) {
  static std::optional<ReferenceInputs> channels_first;
  static std::optional<ReferenceInputs> channels_last;
  std::optional<ReferenceInputs>& slot =
      layout == ref::Layout::channels_first ? channels_first : channels_last;
  if (!slot) slot = build_reference_inputs(layout);
  return *slot;
}

constexpr std::array<ref::Layout, 2> kLayouts = {ref::Layout::channels_first,
                                                 ref::Layout::channels_last};

// ---------------------------------------------------------------------------------------------
// The three operations of the reference with the "pytorch" preset (eps 1e-5, momentum 0.1,
// affine, running statistics), each returning what the call returns.

const ref::BatchNormSpec& spec() {
  static const ref::BatchNormSpec s = ref::preset("pytorch");
  return s;
}

ref::ForwardTrainResult run_forward_train(const ReferenceInputs& in) {
  return ref::forward_train(spec(), in.x, in.params, in.running);
}
ref::Tensor run_forward_eval(const ReferenceInputs& in) {
  return ref::forward_eval(spec(), in.x, in.params, in.running);
}
ref::BackwardResult run_backward_train(const ReferenceInputs& in) {
  return ref::backward_train(spec(), in.x, in.dy, in.params);
}

void bm_reference(benchmark::State& state, Op op, ref::Layout layout, int threads) {
  omp_set_num_threads(threads);
  const ReferenceInputs& in = reference_inputs(layout);
  for (auto _ : state) {
    switch (op) {
      case Op::forward_train: {
        auto r = run_forward_train(in);
        benchmark::DoNotOptimize(r.y.data());
        break;
      }
      case Op::forward_eval: {
        auto y = run_forward_eval(in);
        benchmark::DoNotOptimize(y.data());
        break;
      }
      case Op::backward_train: {
        auto r = run_backward_train(in);
        benchmark::DoNotOptimize(r.dx.data());
        break;
      }
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * op_bytes(op));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kElements));
  state.counters["threads"] = threads;
}

// Extra memory: the output of every operation is one activation-sized tensor (y or dx) plus
// per-channel vectors (a few KB, left in the extra figure).
void bm_reference_memory(benchmark::State& state, Op op, ref::Layout layout, int threads) {
  omp_set_num_threads(threads);
  const ReferenceInputs& in = reference_inputs(layout);
  switch (op) {
    case Op::forward_train:
      measure_extra_memory(state, kTensorBytes, [&] { return run_forward_train(in); });
      break;
    case Op::forward_eval:
      measure_extra_memory(state, kTensorBytes, [&] { return run_forward_eval(in); });
      break;
    case Op::backward_train:
      measure_extra_memory(state, kTensorBytes, [&] { return run_backward_train(in); });
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Memory-bandwidth peers: a single-threaded copy of one activation-sized tensor.

// memcpy into a destination allocated and touched once: the machine's copy bandwidth.
void bm_copy_memcpy(benchmark::State& state) {
  const std::vector<double>& src = input_values().x;
  std::vector<double> dst(src.size(), 1.0);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), kTensorBytes);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * kCopyBytes);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kElements));
}

// std::copy into a freshly allocated vector each iteration: the copy plus what every operation
// above also pays for its output (allocation, page faults, zeroing of fresh pages by the kernel).
void bm_copy_fresh_allocation(benchmark::State& state) {
  const std::vector<double>& src = input_values().x;
  for (auto _ : state) {
    std::vector<double> dst(src.begin(), src.end());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * kCopyBytes);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kElements));
}

// The same copy into a fresh, uninitialised buffer that is advised to transparent huge pages
// before its first touch, as the reference advises its outputs (ExecutionOptions::
// huge_page_outputs): what the output's page faults cost any code that asks for huge pages.
void bm_copy_fresh_huge_pages(benchmark::State& state) {
  const std::vector<double>& src = input_values().x;
  for (auto _ : state) {
    std::unique_ptr<double[]> dst(new double[kElements]);  // default-initialised: untouched
    constexpr std::uintptr_t kHugePage = std::uintptr_t{1} << 21;
    const auto begin = reinterpret_cast<std::uintptr_t>(dst.get());
    const std::uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
    const std::uintptr_t last = (begin + kTensorBytes) & ~(kHugePage - 1);
    if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
    std::memcpy(dst.get(), src.data(), kTensorBytes);
    benchmark::DoNotOptimize(dst.get());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * kCopyBytes);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kElements));
}

void register_reference_benchmarks(const std::vector<int>& thread_counts) {
  benchmark::RegisterBenchmark("copy/memcpy", bm_copy_memcpy)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("copy/fresh_allocation", bm_copy_fresh_allocation)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("copy/fresh_huge_pages", bm_copy_fresh_huge_pages)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  for (Op op : kOps) {
    for (ref::Layout layout : kLayouts) {
      for (int threads : thread_counts) {
        const std::string name = "reference/" + std::string(op_name(op)) + "/" +
                                 std::string(to_string(layout)) +
                                 "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), bm_reference, op, layout, threads)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
  for (Op op : kOps) {
    for (ref::Layout layout : kLayouts) {
      for (int threads : thread_counts) {
        const std::string name = "memory/reference/" + std::string(op_name(op)) + "/" +
                                 std::string(to_string(layout)) +
                                 "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), bm_reference_memory, op, layout, threads)
            ->Iterations(1)
            ->Repetitions(1)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
}

}  // namespace

const InputValues& input_values() {
  static const InputValues values = [] {
    // Raw std::mt19937_64 output (fixed by the standard) through Box-Muller, so the inputs are
    // the same with every standard library; std::normal_distribution's are not.
    std::mt19937_64 engine(20240607);
    auto uniform = [&](double low, double high) {
      return low + (high - low) * static_cast<double>(engine() >> 11) * 0x1p-53;
    };
    auto normal = [&] {
      const double u1 = (static_cast<double>(engine() >> 11) + 0.5) * 0x1p-53;
      const double u2 = static_cast<double>(engine() >> 11) * 0x1p-53;
      return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    };
    InputValues v;
    std::vector<double> offset(kChannels);
    std::vector<double> scale(kChannels);
    for (std::size_t c = 0; c < kChannels; ++c) {
      offset[c] = normal();
      scale[c] = uniform(0.5, 1.5);
      v.weight.push_back(uniform(0.5, 1.5));
      v.bias.push_back(0.1 * normal());
      v.running_mean.push_back(offset[c] + 0.1 * normal());
      v.running_var.push_back(scale[c] * scale[c] * uniform(0.5, 1.5));
    }
    const std::size_t plane = kElements / (static_cast<std::size_t>(kShape[0]) * kChannels);
    v.x.resize(kElements);
    v.dy.resize(kElements);
    for (std::size_t i = 0; i < kElements; ++i) {
      const std::size_t c = (i / plane) % kChannels;
      v.x[i] = offset[c] + scale[c] * normal();
      v.dy[i] = normal();
    }
    return v;
  }();
  return values;
}

std::int64_t resident_bytes() { return status_field_bytes("VmRSS"); }
std::int64_t peak_resident_bytes() { return status_field_bytes("VmHWM"); }

std::vector<int> distinct_thread_counts(std::vector<int> counts) {
  std::erase_if(counts, [](int n) { return n <= 0; });
  std::sort(counts.begin(), counts.end());
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  return counts;
}

bool reset_peak_resident() {
  std::ofstream clear_refs("/proc/self/clear_refs");
  clear_refs << "5";
  clear_refs.flush();
  return static_cast<bool>(clear_refs);
}

}  // namespace bnconf::bench

int main(int argc, char** argv) {
  namespace bench = bnconf::bench;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  // Read before anything initialises libtorch, which sets the OpenMP thread count.
  const int reference_default = omp_get_max_threads();
  const int hardware = static_cast<int>(std::thread::hardware_concurrency());
  benchmark::AddCustomContext("shape", "(32, 64, 56, 56) f64");
  benchmark::AddCustomContext("reference_default_threads", std::to_string(reference_default));
  benchmark::AddCustomContext("hardware_concurrency", std::to_string(hardware));
  // The reference's execution options (set by BNCONF_REFERENCE_PATH, _ISA, _HUGE_PAGES).
  const bnconf::reference::ExecutionOptions options = bnconf::reference::execution_options();
  benchmark::AddCustomContext("reference_path", std::string(to_string(options.path)));
  benchmark::AddCustomContext("reference_isa", std::string(to_string(options.isa)));
  benchmark::AddCustomContext("reference_huge_page_outputs",
                              options.huge_page_outputs ? "on" : "off");
  bench::register_reference_benchmarks(
      bench::distinct_thread_counts({1, reference_default, hardware}));
#ifdef BNCONF_BENCH_WITH_TORCH
  const int torch_default = bench::torch_default_threads();
  benchmark::AddCustomContext("libtorch_default_threads", std::to_string(torch_default));
  bench::register_torch_benchmarks(bench::distinct_thread_counts({1, torch_default, hardware}));
#else
  benchmark::AddCustomContext("libtorch", "not built (not found, or BNCONF_WITH_TORCH=OFF)");
#endif
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
