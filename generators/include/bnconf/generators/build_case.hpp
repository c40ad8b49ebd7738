// Turns a catalogue entry into a fixture case: draws its inputs and computes the expected
// outputs with the reference.
#pragma once

#include <stdexcept>

#include "bnconf/cases/case.hpp"
#include "bnconf/generators/catalogue.hpp"

namespace bnconf::generators {

// Throws std::runtime_error naming the case when the entry cannot be built, including an error
// case that the reference does not reject with the expected error kind.
cases::Case build_case(const CatalogueEntry& entry);

}  // namespace bnconf::generators
