// Loading a set of fixtures for use: every .h5 file of a directory (or the named files),
// checked against the manifest.json beside them before any case is used.
#pragma once

#include <string>
#include <vector>

#include "bnconf/formats/fixture_file.hpp"

namespace bnconf::formats {

struct FixtureSet {
  std::vector<cases::Case> cases;  // loaded and verified
  std::vector<LoadError> errors;   // files and cases that could not be used, one entry each
};

// `paths`: directories (all *.h5 in them, sorted by name) and/or .h5 files. Every file must be
// listed in the manifest.json of its directory; a file whose bytes differ from the manifest is
// checked case by case, so one damaged case does not discard the others.
FixtureSet load_fixture_set(const std::vector<std::string>& paths);

}  // namespace bnconf::formats
