// How the reference computes, and how often its fast path fell back.
//
// Every result of the reference is a function of exact sums (docs/accuracy.md). Two paths compute
// them:
//   exact  the superaccumulator (ExactSum) over every term, scalar loops: the definition.
//   fast   vectorised error-free extraction (docs/accuracy.md, "The certified fast path"): the
//          same exact sums when it can prove them exact, the exact path for every channel where it
//          cannot. Its results are identical to the exact path's, bit for bit.
// The fast path is the default. It uses the widest instruction set the CPU has (detected at run
// time) unless told otherwise. The environment variables BNCONF_REFERENCE_PATH (fast | exact) and
// BNCONF_REFERENCE_ISA (portable | avx2 | avx512) set the initial options, for measurements.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace bnconf::reference {

enum class Path { fast, exact };

// Instruction sets of the fast path. portable: SSE2 pairs, Dekker's product (every x86-64 CPU).
// avx2: 4 lanes with FMA. avx512: 8 lanes with FMA.
enum class Isa { portable, avx2, avx512 };
inline constexpr Isa kAllIsas[] = {Isa::portable, Isa::avx2, Isa::avx512};

std::string_view to_string(Path path);
std::string_view to_string(Isa isa);
std::optional<Isa> isa_from_string(std::string_view name);
// Whether this CPU can run the fast path with `isa`.
bool isa_supported(Isa isa);
// The widest supported instruction set.
Isa best_isa();

struct ExecutionOptions {
  Path path = Path::fast;
  Isa isa = Isa::portable;
  // Ask the kernel for transparent huge pages (madvise) for activation-sized outputs, which cuts
  // the page faults of their first touch (docs/performance.md).
  bool huge_page_outputs = true;
};

// The options in force for every call of the library (process-wide).
ExecutionOptions execution_options();
// Throws std::invalid_argument when options.isa is not supported by this CPU.
void set_execution_options(const ExecutionOptions& options);

// Sets options for its lifetime, then restores the previous ones.
class ScopedExecutionOptions {
 public:
  explicit ScopedExecutionOptions(const ExecutionOptions& options);
  ~ScopedExecutionOptions();
  ScopedExecutionOptions(const ScopedExecutionOptions&) = delete;
  ScopedExecutionOptions& operator=(const ScopedExecutionOptions&) = delete;

 private:
  ExecutionOptions previous_;
};

// Process-wide counts since the last reset (fast path only).
struct FastPathCounters {
  // Per-channel reductions (statistics, gradient sums) the fast path proved exact, and those it
  // handed to the exact path (non-finite or out-of-range values, a tiny centre).
  std::uint64_t channels_fast = 0;
  std::uint64_t channels_fallback = 0;
  // Terms whose low-order remainder, below the last extraction level, went into the
  // superaccumulator one by one (still exact, only slower).
  std::uint64_t residual_terms = 0;
  // Per-element outputs (y, dx) computed in vector lanes, and those among them recomputed by the
  // scalar formula because a product could have under- or overflowed.
  std::uint64_t elements_vector = 0;
  std::uint64_t elements_guarded = 0;
};
FastPathCounters fast_path_counters();
void reset_fast_path_counters();

}  // namespace bnconf::reference
