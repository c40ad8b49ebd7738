#include "bnconf/conformance/backend.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <stdexcept>

#include "abi_values.hpp"
#include "bnconf/backends/bundled.hpp"
#include "bnconf/cases/operations.hpp"

namespace bnconf::conformance {
namespace {

namespace fs = std::filesystem;

struct Bundled {
  const char* name;
  const bnconf_backend_v1* (*entry)();
};

const std::vector<Bundled>& bundled() {
  static const std::vector<Bundled> backends{{"reference", bnconf_reference_backend},
                                             {"cpu-f32", bnconf_cpu_f32_backend}};
  return backends;
}

// Folders searched for plug-in backends (libbnconf_backend_*.so): BNCONF_BACKEND_PATH (':'
// separated), then the build tree's backend folder next to this executable.
std::vector<fs::path> discovery_folders() {
  std::vector<fs::path> folders;
  if (const char* path = std::getenv("BNCONF_BACKEND_PATH")) {
    std::stringstream list(path);
    for (std::string entry; std::getline(list, entry, ':');) {
      if (!entry.empty()) folders.emplace_back(entry);
    }
  }
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (!error) folders.push_back(self.parent_path().parent_path() / "backends");
  return folders;
}

// In folder order (so BNCONF_BACKEND_PATH takes precedence), sorted within a folder, each
// library once even when two entries name the same folder.
std::vector<fs::path> discovered_libraries() {
  std::vector<fs::path> libraries;
  std::set<fs::path> seen;
  for (const auto& folder : discovery_folders()) {
    std::error_code error;
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(folder, error)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("libbnconf_backend_", 0) == 0 && entry.path().extension() == ".so") {
        found.push_back(entry.path());
      }
    }
    std::sort(found.begin(), found.end());
    for (const auto& library : found) {
      if (seen.insert(fs::weakly_canonical(library, error)).second) libraries.push_back(library);
    }
  }
  return libraries;
}

// Checks that a backend table can be used by this runner.
void check_table(const bnconf_backend_v1* table, const std::string& where) {
  if (!table) throw std::runtime_error(where + ": the entry point returned no backend");
  if (table->abi_version != BNCONF_ABI_VERSION) {
    throw std::runtime_error(where + ": ABI version " + std::to_string(table->abi_version) +
                             " but this bnconf speaks version " +
                             std::to_string(BNCONF_ABI_VERSION));
  }
  if (!table->capabilities) throw std::runtime_error(where + ": no capabilities function");
}

// "a,b" for the values whose capability bit is set, "-" for none.
template <class Values, class Bit, class Name>
std::string declared(std::uint32_t mask, const Values& values, Bit bit, Name name) {
  std::string text;
  for (const auto& value : values) {
    if (mask & bit(value)) text += (text.empty() ? "" : ",") + std::string(name(value));
  }
  return text.empty() ? "-" : text;
}

template <class Values>
std::string declared_values(std::uint32_t mask, const Values& values) {
  return declared(
      mask, values, [](auto v) { return capability_bit(v); }, [](auto v) { return to_string(v); });
}

// The feature bits of bnconf/adapter.h and their names.
constexpr std::pair<std::uint32_t, const char*> kFeatures[] = {
    {BNCONF_FEATURE_RUNNING_STATS, "running_stats"},
    {BNCONF_FEATURE_SAVED_STATS, "saved_stats"},
    {BNCONF_FEATURE_MOMENTUM_NONE, "momentum_none"},
    {BNCONF_FEATURE_NO_AFFINE, "no_affine"},
    {BNCONF_FEATURE_UNTRACKED, "untracked"},
    {BNCONF_FEATURE_VALIDATES_INPUT, "validates_input"},
    {BNCONF_FEATURE_GLOBAL_STATS, "global_stats"},
    {BNCONF_FEATURE_STRIDED, "strided"},
};

}  // namespace

Backend Backend::open(const std::string& name_or_path) {
  Backend backend;
  for (const auto& b : bundled()) {
    if (name_or_path == b.name) {
      backend.table_ = b.entry();
      backend.origin_ = "bundled";
    }
  }
  std::string path = name_or_path;
  if (!backend.table_ && name_or_path.find('/') == std::string::npos) {
    // A discovered plug-in by name: libbnconf_backend_<name>.so.
    path.clear();
    for (const auto& library : discovered_libraries()) {
      if (library.filename() == "libbnconf_backend_" + name_or_path + ".so")
        path = library.string();
    }
    if (path.empty()) {
      std::string known;
      for (const auto& listing : list_backends())
        known += (known.empty() ? "" : ", ") + listing.name;
      throw std::runtime_error("no backend named '" + name_or_path + "' (known: " + known +
                               "; or give a path to a shared library)");
    }
  }
  if (!backend.table_) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) throw std::runtime_error(path + ": cannot be loaded: " + dlerror());
    backend.library_ = std::shared_ptr<void>(handle, [](void* h) { dlclose(h); });
    auto entry =
        reinterpret_cast<bnconf_backend_v1_entry_fn>(dlsym(handle, BNCONF_BACKEND_V1_ENTRY));
    if (!entry) {
      throw std::runtime_error(path + ": does not export " BNCONF_BACKEND_V1_ENTRY
                                      " (see docs/adapter-guide.md)");
    }
    backend.table_ = entry();
    backend.origin_ = path;
  }
  check_table(backend.table_, backend.origin_);
  backend.capabilities_.struct_size = sizeof(bnconf_capabilities);
  backend.table_->capabilities(&backend.capabilities_);
  return backend;
}

Backend Backend::from_table(const bnconf_backend_v1* table, const std::string& origin) {
  check_table(table, origin);
  Backend backend;
  backend.table_ = table;
  backend.origin_ = origin;
  backend.capabilities_.struct_size = sizeof(bnconf_capabilities);
  table->capabilities(&backend.capabilities_);
  return backend;
}

std::string describe_capabilities(const bnconf_capabilities& c) {
  std::string ranks;
  for (int r = 0; r <= BNCONF_MAX_RANK; ++r) {
    if (c.ranks & (1u << r)) ranks += (ranks.empty() ? "" : ",") + std::to_string(r);
  }
  return "dtypes " + declared_values(c.dtypes, ieee::kAllDtypes) + "; layouts " +
         declared_values(c.layouts, reference::kAllLayouts) + "; ranks " +
         (ranks.empty() ? "-" : ranks) + "; ops " +
         declared(
             c.operations, cases::kAllEntries,
             [](cases::Entry e) { return static_cast<std::uint32_t>(e); },
             [](cases::Entry e) { return cases::to_string(e); }) +
         "; conventions " + declared_values(c.conventions, reference::kAllMomentumConventions) +
         "; estimators " + declared_values(c.estimators, reference::kAllRunningVarEstimators) +
         "; features " +
         declared(
             c.features, kFeatures, [](const auto& f) { return f.first; },
             [](const auto& f) { return f.second; });
}

std::vector<BackendListing> list_backends() {
  std::vector<BackendListing> listings;
  for (const auto& b : bundled()) {
    const Backend backend = Backend::open(b.name);
    listings.push_back({backend.name(), "bundled", backend.version(),
                        describe_capabilities(backend.capabilities()), ""});
  }
  for (const auto& library : discovered_libraries()) {
    try {
      const Backend backend = Backend::open(library.string());
      listings.push_back({backend.name(), library.string(), backend.version(),
                          describe_capabilities(backend.capabilities()), ""});
    } catch (const std::exception& e) {
      listings.push_back({library.filename().string(), library.string(), "", "", e.what()});
    }
  }
  return listings;
}

}  // namespace bnconf::conformance
