#include "bnconf/formats/fixture_set.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "bnconf/formats/file_bytes.hpp"
#include "bnconf/formats/manifest.hpp"
#include "case_names.hpp"

namespace bnconf::formats {

namespace {

namespace fs = std::filesystem;

// The fixture files a path names: a directory's *.h5 files (sorted; the directory is remembered,
// so that files its manifest lists and it lacks are reported) or the file itself.
std::vector<std::string> expand(const std::vector<std::string>& paths, FixtureSet& set,
                                std::set<std::string>& directories) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code error;
    const fs::file_status status = fs::status(path, error);
    if (error && error != std::errc::no_such_file_or_directory) {
      set.errors.push_back({path, "", "", "cannot be examined: " + error.message()});
    } else if (fs::is_directory(status)) {
      std::vector<std::string> found;
      // Non-throwing iteration: an entry that cannot be read is skipped, not fatal.
      for (fs::directory_iterator it(path, error), end; !error && it != end; it.increment(error)) {
        if (it->path().extension() == ".h5") found.push_back(it->path().string());
      }
      if (error) set.errors.push_back({path, "", "", "cannot be listed: " + error.message()});
      std::sort(found.begin(), found.end());
      if (found.empty())
        set.errors.push_back({path, "", "", "directory holds no .h5 fixture files"});
      files.insert(files.end(), found.begin(), found.end());
      directories.insert((fs::path(path) / "manifest.json").parent_path().string());
    } else if (fs::exists(status)) {
      files.push_back(path);
    } else {
      set.errors.push_back({path, "", "", "no such file or directory"});
    }
  }
  return files;
}

fs::path manifest_of(const fs::path& file) { return file.parent_path() / "manifest.json"; }

// The manifest beside `file`, read once per directory.
const std::optional<Manifest>& manifest_for(const fs::path& file,
                                            std::map<std::string, std::optional<Manifest>>& cache,
                                            FixtureSet& set) {
  const std::string directory = file.parent_path().string();
  auto found = cache.find(directory);
  if (found != cache.end()) return found->second;
  auto& entry = cache[directory];
  const std::string path = manifest_of(file).string();
  try {
    entry = read_manifest(path);
  } catch (const std::exception& e) {
    // The message names the path already; the LoadError does too.
    std::string message = e.what();
    if (message.rfind(path + ": ", 0) == 0) message.erase(0, path.size() + 2);
    set.errors.push_back({path, "", "", message});
  }
  return entry;
}

// The file's bytes, read once and verified: parsed here when their SHA-256 is the manifest's,
// otherwise in a child process (a damaged or regenerated file is checked case by case).
FixtureFile load_file(const std::string& file, const ManifestFile& listed, bool& intact) {
  std::string bytes;
  try {
    bytes = read_regular_file(file, listed.size.value_or(kMaxDataFileBytes));
  } catch (const std::exception& e) {
    FixtureFile failed;
    failed.path = file;
    failed.file_error = LoadError{file, "", "", e.what()};
    return failed;
  }
  intact = sha256_hex(bytes.data(), bytes.size()) == listed.sha256;
  return intact ? parse_fixture_bytes(bytes, file) : parse_fixture_bytes_isolated(bytes, file);
}

}  // namespace

FixtureSet load_fixture_set(const std::vector<std::string>& paths) {
  FixtureSet set;
  std::map<std::string, std::optional<Manifest>> manifests;  // by directory
  std::set<std::string> directories;
  std::map<std::string, std::string> seen;  // case id -> the file it was loaded from
  const std::vector<std::string> files = expand(paths, set, directories);
  for (const auto& file : files) {
    const fs::path path(file);
    const auto& manifest = manifest_for(path, manifests, set);
    if (!manifest) {
      set.errors.push_back({file, "", "", "cannot be verified without a readable manifest.json"});
      continue;
    }
    const auto listed = manifest->files.find(path.filename().string());
    if (listed == manifest->files.end()) {
      set.errors.push_back({file, "", "", "is not listed in manifest.json"});
      continue;
    }
    bool intact = false;
    FixtureFile contents = load_file(file, listed->second, intact);
    if (contents.file_error) {
      set.errors.push_back(*contents.file_error);
      continue;
    }
    std::set<std::string> present;
    for (auto& entry : contents.cases) {
      if (auto* error = std::get_if<LoadError>(&entry)) {
        present.insert(error->case_id);
        set.errors.push_back(std::move(*error));
        continue;
      }
      Case& c = std::get<Case>(entry);
      present.insert(c.spec.id);
      const auto expected = listed->second.cases.find(c.spec.id);
      if (expected == listed->second.cases.end()) {
        set.errors.push_back({file, c.spec.id, "", "case is not listed in manifest.json"});
        continue;
      }
      if (!intact) {
        const auto problems = manifest_mismatches(expected->second, c);
        if (!problems.empty()) {
          set.errors.push_back(
              {file, c.spec.id, "manifest", "checksum mismatch: " + problems.front()});
          continue;
        }
      }
      if (const auto [where, added] = seen.emplace(c.spec.id, file); !added) {
        set.errors.push_back(
            {file, c.spec.id, "",
             "duplicate case id (also in " + where->second + "): the second is not used"});
        continue;
      }
      set.cases.push_back(std::move(c));
    }
    for (const auto& [id, unused] : listed->second.cases) {
      if (!present.count(id)) {
        set.errors.push_back({file, id, "", "listed in manifest.json but missing from the file"});
      }
    }
  }
  // A directory must hold every file its manifest lists.
  for (const auto& directory : directories) {
    const auto found = manifests.find(directory);
    if (found == manifests.end() || !found->second) continue;
    for (const auto& [name, unused] : found->second->files) {
      const std::string file = (fs::path(directory) / name).string();
      if (std::find(files.begin(), files.end(), file) == files.end()) {
        set.errors.push_back({file, "", "", "listed in manifest.json but missing"});
      }
    }
  }
  return set;
}

}  // namespace bnconf::formats
