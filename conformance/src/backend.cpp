#include "bnconf/conformance/backend.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>
#include <stdexcept>

#include "abi_values.hpp"
#include "bnconf/backends/bundled.hpp"
#include "bnconf/cases/operations.hpp"
#include "bnconf/formats/child_process.hpp"
#include "bnconf/formats/install_layout.hpp"
#include "text.hpp"

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
// separated), then an installed bnconf's backend folder (<prefix>/lib/bnconf/backends) or, in a
// build tree, the build's backends/ folder next to this executable's.
std::vector<fs::path> discovery_folders() {
  std::vector<fs::path> folders;
  if (const char* path = std::getenv("BNCONF_BACKEND_PATH")) {
    std::stringstream list(path);
    for (std::string entry; std::getline(list, entry, ':');) {
      if (!entry.empty()) folders.emplace_back(entry);
    }
  }
  if (const auto installed = formats::installed_layout()) {
    folders.push_back(installed->backends_dir);
    return folders;
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
    // Non-throwing iteration: an unreadable folder or entry is skipped, not fatal.
    for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
      const std::string name = it->path().filename().string();
      if (name.rfind("libbnconf_backend_", 0) == 0 && it->path().extension() == ".so") {
        found.push_back(it->path());
      }
    }
    std::sort(found.begin(), found.end());
    for (const auto& library : found) {
      if (seen.insert(fs::weakly_canonical(library, error)).second) libraries.push_back(library);
    }
  }
  return libraries;
}

// Checks that a backend table can be used by this runner: the version, then the size the
// table says it has (read before any field past it, so that a table shorter than version 1's
// is refused rather than read beyond its end), then the capabilities function.
void check_table(const bnconf_backend_v1* table, const std::string& where) {
  if (!table) throw std::runtime_error(where + ": the entry point returned no backend");
  if (table->abi_version != BNCONF_ABI_VERSION) {
    throw std::runtime_error(where + ": ABI version " + std::to_string(table->abi_version) +
                             " but this bnconf speaks version " +
                             std::to_string(BNCONF_ABI_VERSION));
  }
  if (table->struct_size < sizeof(bnconf_backend_v1)) {
    throw std::runtime_error(where + ": the table's struct_size is " +
                             std::to_string(table->struct_size) + " bytes, less than the " +
                             std::to_string(sizeof(bnconf_backend_v1)) +
                             " bytes of an ABI version 1 table");
  }
  if (!table->capabilities) throw std::runtime_error(where + ": no capabilities function");
}

// dlopen(3)s the library into this process and returns its checked table.
const bnconf_backend_v1* load_table(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw std::runtime_error(path + ": cannot be loaded: " + dlerror());
  // Never dlclose(3)d: threads the library started may still run its code.
  auto entry = reinterpret_cast<bnconf_backend_v1_entry_fn>(dlsym(handle, BNCONF_BACKEND_V1_ENTRY));
  if (!entry) {
    throw std::runtime_error(path + ": does not export " BNCONF_BACKEND_V1_ENTRY
                                    " (see docs/adapter-guide.md)");
  }
  const bnconf_backend_v1* table = entry();
  check_table(table, path);
  return table;
}

// A C string of the table, read at most `limit` bytes far.
std::string bounded(const char* text, std::size_t limit = 256) {
  return text ? std::string(text, strnlen(text, limit)) : "?";
}

// What a probe learns of a plug-in, in the child that loaded it, as bytes for the parent:
// "E" and the error, or "O" and the name, version and capabilities.
std::string probe_in_this_process(const std::string& path) {
  try {
    const bnconf_backend_v1* table = load_table(path);
    bnconf_capabilities capabilities{};
    capabilities.struct_size = sizeof capabilities;
    table->capabilities(&capabilities);
    capabilities.struct_size = sizeof capabilities;
    const std::string name = bounded(table->name), version = bounded(table->version);
    std::string out = "O";
    for (const std::string* text : {&name, &version}) {
      const std::uint32_t size = static_cast<std::uint32_t>(text->size());
      out.append(reinterpret_cast<const char*>(&size), sizeof size);
      out += *text;
    }
    out.append(reinterpret_cast<const char*>(&capabilities), sizeof capabilities);
    return out;
  } catch (const std::exception& e) {
    return "E" + std::string(e.what());
  }
}

struct Probe {
  std::string name, version;
  bnconf_capabilities capabilities{};
};

bool take_text(const std::string& bytes, std::size_t& pos, std::string& text) {
  std::uint32_t size = 0;
  if (bytes.size() - pos < sizeof size) return false;
  std::memcpy(&size, bytes.data() + pos, sizeof size);
  pos += sizeof size;
  if (bytes.size() - pos < size) return false;
  text = printable(std::string_view(bytes).substr(pos, size), 256);
  pos += size;
  return true;
}

// Loads the plug-in in a child process and asks it for its table, name and capabilities.
Probe probe(const std::string& path, double timeout_seconds) {
  formats::ChildLimits limits;
  limits.timeout_seconds = timeout_seconds;
  limits.cpu_seconds = static_cast<std::uint64_t>(timeout_seconds) + 1;
  limits.result_bytes = 1 << 16;
  const formats::ChildRun run =
      formats::run_in_child([&] { return probe_in_this_process(path); }, limits);
  if (run.end == formats::ChildEnd::timed_out) {
    throw std::runtime_error(path + ": loading it or asking its capabilities did not finish (" +
                             run.detail + ")");
  }
  if (run.end != formats::ChildEnd::completed) {
    throw std::runtime_error(path +
                             ": loading it or asking its capabilities failed: " + run.detail);
  }
  const std::string& bytes = run.result;
  if (!bytes.empty() && bytes[0] == 'E') throw std::runtime_error(printable(bytes.substr(1)));
  Probe result;
  std::size_t pos = 1;
  if (bytes.empty() || bytes[0] != 'O' || !take_text(bytes, pos, result.name) ||
      !take_text(bytes, pos, result.version) || bytes.size() - pos != sizeof result.capabilities) {
    throw std::runtime_error(path + ": the probe returned a malformed answer");
  }
  std::memcpy(&result.capabilities, bytes.data() + pos, sizeof result.capabilities);
  return result;
}

// The names of the discovered libraries (libbnconf_backend_<name>.so), without loading any.
std::string known_names() {
  std::string known;
  for (const auto& b : bundled()) known += (known.empty() ? "" : ", ") + std::string(b.name);
  for (const auto& library : discovered_libraries()) {
    std::string name = library.stem().string().substr(std::strlen("libbnconf_backend_"));
    known += ", " + printable(name, 64);
  }
  return known;
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

Backend Backend::open(const std::string& name_or_path, double probe_timeout_seconds) {
  for (const auto& b : bundled()) {
    if (name_or_path == b.name) {
      Backend backend = from_table(b.entry(), "bundled");
      return backend;
    }
  }
  std::string path = name_or_path;
  if (name_or_path.find('/') == std::string::npos) {
    // A discovered plug-in by name: libbnconf_backend_<name>.so.
    path.clear();
    for (const auto& library : discovered_libraries()) {
      if (library.filename() == "libbnconf_backend_" + name_or_path + ".so")
        path = library.string();
    }
    if (path.empty()) {
      throw std::runtime_error("no backend named '" + printable(name_or_path, 256) + "' (known: " +
                               known_names() + "; or give a path to a shared library)");
    }
  }
  const Probe probed = probe(path, probe_timeout_seconds);
  Backend backend;
  backend.path_ = path;
  backend.origin_ = path;
  backend.name_ = probed.name;
  backend.version_ = probed.version;
  backend.capabilities_ = probed.capabilities;
  return backend;
}

Backend Backend::from_table(const bnconf_backend_v1* table, const std::string& origin) {
  check_table(table, origin);
  Backend backend;
  backend.table_ = table;
  backend.origin_ = origin;
  backend.name_ = printable(bounded(table->name), 256);
  backend.version_ = printable(bounded(table->version), 256);
  backend.capabilities_.struct_size = sizeof(bnconf_capabilities);
  table->capabilities(&backend.capabilities_);
  return backend;
}

const bnconf_backend_v1& Backend::table() const {
  if (table_) return *table_;
  if (!loaded_) loaded_ = load_table(path_);
  return *loaded_;
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

std::vector<BackendListing> list_backends(double probe_timeout_seconds) {
  std::vector<BackendListing> listings;
  for (const auto& b : bundled()) {
    const Backend backend = Backend::open(b.name);
    listings.push_back({backend.name(), "bundled", backend.version(),
                        describe_capabilities(backend.capabilities()), ""});
  }
  for (const auto& library : discovered_libraries()) {
    try {
      const Backend backend = Backend::open(library.string(), probe_timeout_seconds);
      listings.push_back({backend.name(), printable(library.string()), backend.version(),
                          describe_capabilities(backend.capabilities()), ""});
    } catch (const std::exception& e) {
      listings.push_back({printable(library.filename().string(), 256), printable(library.string()),
                          "", "", e.what()});
    }
  }
  return listings;
}

}  // namespace bnconf::conformance
