// Running one case in a child process (bnconf/formats/child_process.hpp), so that a backend that
// crashes, aborts, hangs, forks, allocates without end or writes gigabytes affects only that
// case: its own process group, a parent-death signal, a deadline on every wait, and per-case
// limits on memory, CPU time, file output and the size of its result.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bnconf/conformance/execute.hpp"

namespace bnconf::conformance {

enum class Outcome { completed, crashed, timed_out, resource_limit };

struct CaseLimits {
  double timeout_seconds = 60;
  // RLIMIT_DATA of the case's process, in bytes; 0: none. Not applied under AddressSanitizer.
  std::uint64_t memory_bytes = 0;
  // RLIMIT_CPU, in seconds of CPU time (all threads); 0: none.
  std::uint64_t cpu_seconds = 0;
  // RLIMIT_FSIZE: the largest file the case may write (its redirected stdout included); 0: none.
  std::uint64_t file_bytes = 0;
  // The most bytes of results the runner reads back (the runner sizes it from the case).
  std::uint64_t result_bytes = std::uint64_t{1} << 30;
};

// The limits bnconf run applies unless told otherwise: memory half the machine's, CPU time four
// times the timeout, files 1 GiB.
CaseLimits default_case_limits(double timeout_seconds);

struct IsolatedRun {
  Outcome outcome = Outcome::completed;
  // "killed by signal 11 (Segmentation fault)", "no result after 10 s (killed)", "exceeded the
  // CPU time limit of 240 s (RLIMIT_CPU; 240.3 s used)"
  std::string detail;
  Execution execution;  // when completed
  // What the case's process saw the backend do before it ended, even if it then died: a guard
  // page touched, an output written after its call returned ("accessed the guard page 4096 bytes
  // before output y").
  std::vector<std::string> violations;
};

// Forks; the child runs `work` and sends its Execution back through a pipe; the parent waits at
// most limits.timeout_seconds, then kills the child's process group.
IsolatedRun run_isolated(const std::function<Execution()>& work, const CaseLimits& limits);
IsolatedRun run_isolated(const std::function<Execution()>& work, double timeout_seconds);

// In a case's process: records a misbehaviour for IsolatedRun::violations. Async-signal-safe.
void note_violation(const char* text) noexcept;

// The byte form of an Execution sent from child to parent (exposed for tests).
std::string serialise(const Execution& execution);
bool deserialise(const std::string& bytes, Execution& execution);

}  // namespace bnconf::conformance
