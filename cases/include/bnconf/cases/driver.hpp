// The case driver: run_case drives any engine through any case, written once for every user —
// the generator (reference engine: the expected outputs), the golden replay (reference engine:
// the committed outputs again), the runner (a backend behind the ABI) and the tolerance tests
// (simulated backends). What each operation calls is its row's driver (operations.hpp).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bnconf/cases/engine.hpp"

namespace bnconf::cases {

using Outputs = std::map<std::string, Array>;

struct Execution {
  CallStatus status = CallStatus::ok;
  std::string message;  // the engine's message when a call did not end ok
  std::optional<reference::ErrorKind> error_kind;  // when the engine knows it (reference)
  Outputs outputs;  // named like the case's expected outputs; empty unless status is ok
  // Outputs of a group the engine declared it does not produce (OutputGroup::
  // running_statistics), which are therefore not judged, and why.
  std::vector<std::string> unchecked;
  std::string unchecked_reason;
  // Misbehaviour an engine saw around its calls ("wrote 8 bytes past the end of y", "modified
  // input x"): the runner's ABI engine fills it.
  std::vector<std::string> violations;
  // A failure of bnconf itself (an exception other than CallFailed): set instead of a verdict.
  std::string internal_error;
};

// Runs the case's operation on the engine. Never throws: a call that fails ends the case with
// its status, anything else is an internal error.
Execution run_case(const Case& c, Engine& engine);

// Case inputs as the engine interface takes them.
Affine affine_of(const Case& c);
// The running statistics among the inputs, if the case holds them (all three datasets).
std::optional<Running> running_of(const Case& c);

}  // namespace bnconf::cases
