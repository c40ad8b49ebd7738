// Executing one case on a backend: the case driver (bnconf/cases/driver.hpp) with the backend
// behind the adapter ABI as its engine (conformance/src/abi_engine.hpp): buffers in the case's
// dtype and layout between guard pages and canaries, outputs poisoned, inputs checked unchanged
// after every call, outputs decoded back to logical row-major arrays named like the case's
// expected outputs.
#pragma once

#include "bnconf/cases/driver.hpp"
#include "bnconf/conformance/backend.hpp"
#include "bnconf/conformance/requirements.hpp"

namespace bnconf::conformance {

using cases::CallStatus;
using cases::Execution;

// Runs the case in this process (a plug-in is loaded into it: call it in a case's child process,
// through run_isolated). May crash or hang if the backend does. Installs the guard-page fault
// handler (guarded_memory.hpp).
Execution execute_case(const Backend& backend, const cases::Case& c);

}  // namespace bnconf::conformance
