// Where an installed bnconf (`cmake --install`, docs/installing.md) keeps its data and its
// plug-in backends. They are found from the running executable's own location, through the
// installation's relative layout (<prefix>/bin/bnconf -> <prefix>/share/bnconf,
// <prefix>/lib/bnconf/backends), so that an installed tree works under any prefix and wherever it
// is moved, and never reads the source or build tree it was built from.
#pragma once

#include <filesystem>
#include <optional>

namespace bnconf::formats {

struct InstallLayout {
  std::filesystem::path data_dir;      // <prefix>/share/bnconf: fixtures/, catalogue.json
  std::filesystem::path backends_dir;  // <prefix>/lib/bnconf/backends: libbnconf_backend_*.so
};

// The layout around the running executable when it is an installed one, that is when the data
// folder of the install layout exists relative to it; nullopt in a build tree (where the
// defaults are the source tree's fixtures and catalogue and the build's backends/ folder).
std::optional<InstallLayout> installed_layout();

}  // namespace bnconf::formats
