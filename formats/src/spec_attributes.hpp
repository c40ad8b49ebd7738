// A CaseSpec as attributes of its HDF5 group, and back with validation of every field.
#pragma once

#include <hdf5.h>

#include <stdexcept>
#include <string>

#include "bnconf/cases/case.hpp"

namespace bnconf::formats {

class SpecAttributeError : public std::runtime_error {
 public:
  SpecAttributeError(std::string field, const std::string& message)
      : std::runtime_error(message), field(std::move(field)) {}
  std::string field;
};

void write_spec_attributes(hid_t group, const cases::CaseSpec& spec);
// Throws SpecAttributeError naming the attribute for anything missing, mistyped or invalid.
cases::CaseSpec read_spec_attributes(hid_t group, const std::string& id);

}  // namespace bnconf::formats
