#include "bnconf/conformance/execute.hpp"

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "abi_engine.hpp"
#include "guarded_memory.hpp"

namespace bnconf::conformance {
namespace {

// How long a case's process waits, when the backend left threads running, before its last check
// of the retired buffers: a thread still writing into an output shows there, or faults.
constexpr auto kLateWriteGrace = std::chrono::milliseconds(20);

// The threads of this process (proc(5): field 20 of /proc/self/stat); 0 if unknown.
long thread_count() {
  std::ifstream in("/proc/self/stat");
  std::string text;
  std::getline(in, text);
  const auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 20 && fields >> field; ++i) {
    if (i == 20) return std::stol(field);
  }
  return 0;
}

}  // namespace

Execution execute_case(const Backend& backend, const cases::Case& c) {
  install_guard_fault_handler();
  const long threads_before = thread_count();
  try {
    // A plug-in is loaded here, in the case's process (backend.hpp).
    backend.table();
  } catch (const std::exception& e) {
    Execution failed;
    failed.status = CallStatus::backend_error;
    failed.message = std::string("the plug-in cannot be loaded in the case's process: ") + e.what();
    return failed;
  }
  AbiEngine engine(backend);
  Execution execution = cases::run_case(c, engine);
  if (thread_count() > threads_before) std::this_thread::sleep_for(kLateWriteGrace);
  execution.violations = engine.finish_case();
  return execution;
}

}  // namespace bnconf::conformance
