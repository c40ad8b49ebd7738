#include "bnconf/conformance/execute.hpp"

#include "abi_engine.hpp"

namespace bnconf::conformance {

Execution execute_case(const Backend& backend, const cases::Case& c) {
  AbiEngine engine(backend);
  Execution execution = cases::run_case(c, engine);
  execution.violations = engine.violations();
  return execution;
}

}  // namespace bnconf::conformance
