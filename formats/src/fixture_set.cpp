#include "bnconf/formats/fixture_set.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include "bnconf/formats/manifest.hpp"
#include "case_names.hpp"

namespace bnconf::formats {

namespace {

namespace fs = std::filesystem;

std::vector<std::string> expand(const std::vector<std::string>& paths, FixtureSet& set) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    if (fs::is_directory(path)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::directory_iterator(path)) {
        if (entry.path().extension() == ".h5") found.push_back(entry.path().string());
      }
      std::sort(found.begin(), found.end());
      if (found.empty())
        set.errors.push_back({path, "", "", "directory holds no .h5 fixture files"});
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(path)) {
      files.push_back(path);
    } else {
      set.errors.push_back({path, "", "", "no such file or directory"});
    }
  }
  return files;
}

}  // namespace

FixtureSet load_fixture_set(const std::vector<std::string>& paths) {
  FixtureSet set;
  std::map<std::string, std::optional<Manifest>> manifests;  // by directory
  for (const auto& file : expand(paths, set)) {
    const fs::path path(file);
    const std::string directory = path.parent_path().string();
    if (!manifests.count(directory)) {
      const fs::path manifest_path = path.parent_path() / "manifest.json";
      try {
        manifests[directory] = read_manifest(manifest_path.string());
      } catch (const std::exception& e) {
        manifests[directory] = std::nullopt;
        set.errors.push_back({manifest_path.string(), "", "", e.what()});
      }
    }
    const auto& manifest = manifests[directory];
    if (!manifest) {
      set.errors.push_back({file, "", "", "cannot be verified without a readable manifest.json"});
      continue;
    }
    const auto listed = manifest->files.find(path.filename().string());
    if (listed == manifest->files.end()) {
      set.errors.push_back({file, "", "", "is not listed in manifest.json"});
      continue;
    }
    const bool file_intact = file_sha256(file) == listed->second.sha256;
    FixtureFile contents = read_fixture_file(file);
    if (contents.file_error) {
      set.errors.push_back(*contents.file_error);
      continue;
    }
    for (auto& entry : contents.cases) {
      if (auto* error = std::get_if<LoadError>(&entry)) {
        set.errors.push_back(std::move(*error));
        continue;
      }
      Case& c = std::get<Case>(entry);
      const auto expected = listed->second.cases.find(c.spec.id);
      if (expected == listed->second.cases.end()) {
        set.errors.push_back({file, c.spec.id, "", "case is not listed in manifest.json"});
        continue;
      }
      if (!file_intact) {
        const auto problems = manifest_mismatches(expected->second, c);
        if (!problems.empty()) {
          set.errors.push_back(
              {file, c.spec.id, "manifest", "checksum mismatch: " + problems.front()});
          continue;
        }
      }
      set.cases.push_back(std::move(c));
    }
  }
  return set;
}

}  // namespace bnconf::formats
