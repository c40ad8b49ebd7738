// Executing one fixture case on a backend: buffers in the case's dtype and layout, guard
// regions around every output, inputs checked unchanged after every call, outputs decoded back
// to logical row-major arrays named like the case's expected outputs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bnconf/conformance/backend.hpp"
#include "bnconf/formats/case.hpp"

namespace bnconf::conformance {

enum class CallStatus { ok, unsupported, invalid_argument, backend_error };
std::string to_string(CallStatus status);

struct Execution {
  CallStatus status = CallStatus::ok;
  std::string message;                            // the backend's message, if any
  std::map<std::string, formats::Array> outputs;  // named like expected outputs
  // Misbehaviour seen around the call: "wrote 8 bytes past the end of y", "modified input x".
  std::vector<std::string> violations;
  // Expected outputs the backend declared it does not produce, and why; not judged.
  std::vector<std::string> unchecked;
  std::string unchecked_reason;
};

// Why a case cannot run on a backend (its capabilities lack something the case needs), or
// empty when it can.
std::string unsupported_reason(const bnconf_capabilities& capabilities, const formats::Case& c);

// Runs the case in this process. May crash or hang if the backend does: use run_isolated.
Execution execute_case(const Backend& backend, const formats::Case& c);

}  // namespace bnconf::conformance
