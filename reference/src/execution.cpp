// The process-wide execution options of the reference, the CPU's instruction sets, and the
// fast path's counters.
#include "bnconf/reference/execution.hpp"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>

#include "fast/counters.hpp"

namespace bnconf::reference {
namespace {

// Options from the environment (BNCONF_REFERENCE_PATH, BNCONF_REFERENCE_ISA), else the defaults.
ExecutionOptions initial_options() {
  ExecutionOptions options;
  options.isa = best_isa();
  if (const char* path = std::getenv("BNCONF_REFERENCE_PATH")) {
    const std::string_view name(path);
    if (name == "exact") options.path = Path::exact;
  }
  if (const char* isa = std::getenv("BNCONF_REFERENCE_ISA")) {
    const auto parsed = isa_from_string(isa);
    if (parsed && isa_supported(*parsed)) options.isa = *parsed;
  }
  if (const char* huge = std::getenv("BNCONF_REFERENCE_HUGE_PAGES")) {
    options.huge_page_outputs = std::string_view(huge) != "0";
  }
  return options;
}

struct State {
  std::mutex mutex;
  ExecutionOptions options = initial_options();
};

State& state() {
  static State s;
  return s;
}

struct AtomicCounters {
  std::atomic<std::uint64_t> channels_fast{0};
  std::atomic<std::uint64_t> channels_fallback{0};
  std::atomic<std::uint64_t> residual_terms{0};
  std::atomic<std::uint64_t> elements_vector{0};
  std::atomic<std::uint64_t> elements_guarded{0};
};

AtomicCounters& counters() {
  static AtomicCounters c;
  return c;
}

}  // namespace

std::string_view to_string(Path path) { return path == Path::fast ? "fast" : "exact"; }

std::string_view to_string(Isa isa) {
  switch (isa) {
    case Isa::portable:
      return "portable";
    case Isa::avx2:
      return "avx2";
    case Isa::avx512:
      return "avx512";
  }
  return "?";
}

std::optional<Isa> isa_from_string(std::string_view name) {
  for (const Isa isa : kAllIsas) {
    if (to_string(isa) == name) return isa;
  }
  return std::nullopt;
}

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::portable:
      return true;  // SSE2 is part of x86-64
    case Isa::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("fma");
  }
  return false;
}

Isa best_isa() {
  if (isa_supported(Isa::avx512)) return Isa::avx512;
  if (isa_supported(Isa::avx2)) return Isa::avx2;
  return Isa::portable;
}

ExecutionOptions execution_options() {
  std::lock_guard lock(state().mutex);
  return state().options;
}

void set_execution_options(const ExecutionOptions& options) {
  if (!isa_supported(options.isa)) {
    throw std::invalid_argument("this CPU does not support the instruction set " +
                                std::string(to_string(options.isa)));
  }
  std::lock_guard lock(state().mutex);
  state().options = options;
}

ScopedExecutionOptions::ScopedExecutionOptions(const ExecutionOptions& options)
    : previous_(execution_options()) {
  set_execution_options(options);
}

ScopedExecutionOptions::~ScopedExecutionOptions() { set_execution_options(previous_); }

FastPathCounters fast_path_counters() {
  const AtomicCounters& c = counters();
  return {c.channels_fast.load(), c.channels_fallback.load(), c.residual_terms.load(),
          c.elements_vector.load(), c.elements_guarded.load()};
}

void reset_fast_path_counters() {
  AtomicCounters& c = counters();
  c.channels_fast = 0;
  c.channels_fallback = 0;
  c.residual_terms = 0;
  c.elements_vector = 0;
  c.elements_guarded = 0;
}

namespace detail::fast {

void record(const Counters& local) {
  AtomicCounters& c = counters();
  c.channels_fast += local.channels_fast;
  c.channels_fallback += local.channels_fallback;
  c.residual_terms += local.residual_terms;
  c.elements_vector += local.elements_vector;
  c.elements_guarded += local.elements_guarded;
}

}  // namespace detail::fast
}  // namespace bnconf::reference
