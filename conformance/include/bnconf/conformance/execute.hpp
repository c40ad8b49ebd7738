// Executing one case on a backend: the case driver (bnconf/cases/driver.hpp) with the backend
// behind the adapter ABI as its engine (conformance/src/abi_engine.hpp): buffers in the case's
// dtype and layout, guard regions around every output, inputs checked unchanged after every
// call, outputs decoded back to logical row-major arrays named like the case's expected outputs.
#pragma once

#include "bnconf/cases/driver.hpp"
#include "bnconf/conformance/backend.hpp"
#include "bnconf/conformance/requirements.hpp"

namespace bnconf::conformance {

using cases::CallStatus;
using cases::Execution;

// Runs the case in this process. May crash or hang if the backend does: use run_isolated.
Execution execute_case(const Backend& backend, const cases::Case& c);

}  // namespace bnconf::conformance
