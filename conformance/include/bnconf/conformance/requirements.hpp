// Applicability: which capabilities (bnconf_capabilities) a case needs of a backend, as named
// requirement rows checked in order. A case whose requirement a backend does not declare is
// reported `unsupported` with the first unmet row's description, and never reaches the backend.
// What a case needs comes from the operation table (entry points, use of running statistics)
// and the case's spec.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bnconf/adapter.h"
#include "bnconf/cases/case.hpp"

namespace bnconf::conformance {

struct Requirement {
  std::string_view name;     // e.g. "dtype", "entry points", "momentum convention"
  std::string_view meaning;  // what the row checks, for docs and listings
  // What the case needs and the backend does not declare ("dtype f16"), or "" when met or not
  // applicable.
  std::string (*missing)(const bnconf_capabilities& capabilities, const cases::Case& c);
};

// The rows, in the order they are checked.
const std::vector<Requirement>& requirements();

// The first unmet requirement's description, or "" when the backend can run the case.
std::string unsupported_reason(const bnconf_capabilities& capabilities, const cases::Case& c);

}  // namespace bnconf::conformance
