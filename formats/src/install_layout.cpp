#include "bnconf/formats/install_layout.hpp"

#include <system_error>

namespace bnconf::formats {

std::optional<InstallLayout> installed_layout() {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::path executable = fs::read_symlink("/proc/self/exe", error);
  if (error) return std::nullopt;
  // BNCONF_DATA_FROM_BINDIR and BNCONF_BACKENDS_FROM_BINDIR are the install folders relative
  // to the installed executable's folder, computed by CMake from GNUInstallDirs
  // (cmake/BnconfInstallDirs.cmake).
  const fs::path bin = executable.parent_path();
  InstallLayout layout{(bin / BNCONF_DATA_FROM_BINDIR).lexically_normal(),
                       (bin / BNCONF_BACKENDS_FROM_BINDIR).lexically_normal()};
  if (!fs::is_directory(layout.data_dir, error)) return std::nullopt;
  return layout;
}

}  // namespace bnconf::formats
