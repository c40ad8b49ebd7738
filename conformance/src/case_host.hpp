// The case host: a child process of the runner that loads the backend once (a plug-in is
// dlopen(3)ed there, never in the runner) and runs each case in a process of its own, forked
// from it (run_isolated). Loading a large library (libtorch, cuDNN) costs a second; loading it
// again in every case's process would cost that per case. Forking from the host rather than
// from the runner also keeps the runner's heap, fragmented by rewriting the reports after every
// case, out of the cases' processes, whose allocations would copy its pages on write.
// The runner sends the host a case's index and limits and waits for its IsolatedRun with a
// deadline; a host that dies, hangs or answers nonsense is killed (with its case's process, by
// the parent-death signal), the case is a crash, and the next case starts a new host.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bnconf/conformance/isolation.hpp"
#include "bnconf/formats/child_process.hpp"

namespace bnconf::conformance {

class CaseHost {
 public:
  // `cases`: what the runner may ask for, by index (the host process has them in memory: it is
  // forked from this one).
  CaseHost(const Backend& backend, std::vector<const cases::Case*> cases);

  IsolatedRun run(std::size_t index, const CaseLimits& limits);

 private:
  bool start(std::string& why);
  std::string serve(const std::string& request) const;

  const Backend& backend_;
  std::vector<const cases::Case*> cases_;
  std::unique_ptr<formats::ChildServer> server_;
  int failed_starts_ = 0;
};

}  // namespace bnconf::conformance
