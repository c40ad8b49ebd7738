#include "bnconf/generators/generate.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "bnconf/formats/fixture_file.hpp"
#include "bnconf/formats/manifest.hpp"
#include "bnconf/generators/build_case.hpp"
#include "bnconf/generators/catalogue.hpp"
#include "bnconf/version.h"

namespace bnconf::generators {
namespace {

namespace fs = std::filesystem;
using cases::Case;

// One tier file's content: its cases, in catalogue order, and the digest of the catalogue
// entries they were made from (or, for a case set built elsewhere, its provenance).
struct TierSet {
  std::vector<Case> cases;
  std::string catalogue_sha256;
};

std::map<std::string, TierSet> build_all(const GenerateOptions& options) {
  const Catalogue catalogue = load_catalogue(
      options.catalogue_path.empty() ? default_catalogue_path() : options.catalogue_path);
  std::map<std::string, std::vector<const CatalogueEntry*>> entries;
  for (const auto& entry : catalogue.entries) {
    if (entry.on_demand && !options.include_on_demand) continue;
    if (!options.tiers.empty() && std::find(options.tiers.begin(), options.tiers.end(),
                                            entry.spec.tier) == options.tiers.end()) {
      continue;
    }
    entries[entry.spec.tier].push_back(&entry);
  }
  std::map<std::string, TierSet> tiers;
  for (const auto& [tier, listed] : entries) {
    TierSet& set = tiers[tier];
    set.catalogue_sha256 = catalogue_sha256(listed);
    for (const CatalogueEntry* entry : listed) set.cases.push_back(build_case(*entry));
  }
  return tiers;
}

// Writes the tiers' files and the manifest. With `merge`, entries of other files already in the
// directory's manifest are kept (a partial regeneration with --tier).
formats::Manifest write_all(const std::map<std::string, TierSet>& tiers, const std::string& dir,
                            bool merge) {
  fs::create_directories(dir);
  formats::Manifest manifest;
  const fs::path manifest_path = fs::path(dir) / "manifest.json";
  if (merge && fs::exists(manifest_path)) manifest = formats::read_manifest(manifest_path.string());
  manifest.schema_version = formats::kManifestSchemaVersion;
  manifest.generator_version = generator_version();
  for (const auto& [tier, set] : tiers) {
    const std::string name = tier + ".h5";
    const std::string path = (fs::path(dir) / name).string();
    formats::write_fixture_file(
        path, {formats::kSchemaVersion, generator_version(), set.catalogue_sha256, tier},
        set.cases);
    formats::ManifestFile& file = manifest.files[name];
    file = {};
    file.sha256 = formats::file_sha256(path);
    file.catalogue_sha256 = set.catalogue_sha256;
    for (const auto& c : set.cases) file.cases[c.spec.id] = formats::manifest_entry(c);
  }
  formats::write_manifest(manifest_path.string(), manifest);
  return manifest;
}

bool same_bits(const cases::Array& a, const cases::Array& b) {
  return a.shape == b.shape && a.values.size() == b.values.size() &&
         std::equal(a.values.begin(), a.values.end(), b.values.begin(), [](double x, double y) {
           return std::bit_cast<std::uint64_t>(x) == std::bit_cast<std::uint64_t>(y);
         });
}

void compare_arrays(const std::string& where, const char* section,
                    const std::map<std::string, cases::Array>& fresh,
                    const std::map<std::string, cases::Array>& stored,
                    std::vector<std::string>& differences) {
  std::set<std::string> names;
  for (const auto& [name, _] : fresh) names.insert(name);
  for (const auto& [name, _] : stored) names.insert(name);
  for (const auto& name : names) {
    const auto f = fresh.find(name);
    const auto s = stored.find(name);
    const std::string field = where + ": " + section + "/" + name;
    if (f == fresh.end()) {
      differences.push_back(field + ": in the directory but not generated");
    } else if (s == stored.end()) {
      differences.push_back(field + ": generated but missing from the directory");
    } else if (!same_bits(f->second, s->second)) {
      std::size_t count = 0;
      for (std::size_t i = 0; i < std::min(f->second.values.size(), s->second.values.size()); ++i) {
        count += std::bit_cast<std::uint64_t>(f->second.values[i]) !=
                 std::bit_cast<std::uint64_t>(s->second.values[i]);
      }
      differences.push_back(field + ": " + std::to_string(count) + " of " +
                            std::to_string(f->second.values.size()) + " values differ" +
                            (f->second.shape != s->second.shape ? " (and the shape)" : ""));
    }
  }
}

}  // namespace

std::string generator_version() { return BNCONF_VERSION; }

void write_case_set(const std::vector<Case>& cases, const std::string& provenance,
                    const std::string& out_dir) {
  std::map<std::string, TierSet> tiers;
  for (const Case& c : cases) {
    tiers[c.spec.tier].cases.push_back(c);
    tiers[c.spec.tier].catalogue_sha256 = provenance;
  }
  write_all(tiers, out_dir, /*merge=*/false);
}

GenerateSummary generate(const GenerateOptions& options, const std::string& out_dir) {
  const auto start = std::chrono::steady_clock::now();
  const auto tiers = build_all(options);
  write_all(tiers, out_dir, !options.tiers.empty());
  GenerateSummary summary;
  for (const auto& [tier, set] : tiers) {
    summary.cases += set.cases.size();
    summary.files.push_back((fs::path(out_dir) / (tier + ".h5")).string());
  }
  summary.files.push_back((fs::path(out_dir) / "manifest.json").string());
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

namespace {

// The catalogue digest, then case by case: attributes and every dataset of the fresh generation
// against the stored file.
void compare_tier(const std::string& path, const TierSet& set, CheckReport& report) {
  const std::vector<Case>& fresh = set.cases;
  const formats::FixtureFile stored = formats::read_fixture_file(path);
  if (stored.file_error) {
    report.differences.push_back(stored.file_error->to_string());
    return;
  }
  if (stored.info->catalogue_sha256 != set.catalogue_sha256) {
    report.differences.push_back(path + ": catalogue_sha256 " + stored.info->catalogue_sha256 +
                                 " but the catalogue's cases of the tier give " +
                                 set.catalogue_sha256);
  }
  std::map<std::string, const Case*> stored_cases;
  for (const auto& entry : stored.cases) {
    if (const auto* error = std::get_if<formats::LoadError>(&entry)) {
      report.differences.push_back(error->to_string());
    } else {
      stored_cases[std::get<Case>(entry).spec.id] = &std::get<Case>(entry);
    }
  }
  std::set<std::string> fresh_ids;
  for (const auto& c : fresh) {
    fresh_ids.insert(c.spec.id);
    const std::string where = path + ": case " + c.spec.id;
    const auto found = stored_cases.find(c.spec.id);
    if (found == stored_cases.end()) {
      report.differences.push_back(where + ": generated but missing from the directory");
      continue;
    }
    ++report.cases_compared;
    if (formats::canonical_spec_text(c.spec) != formats::canonical_spec_text(found->second->spec)) {
      report.differences.push_back(where + ": attributes differ");
    }
    compare_arrays(where, "inputs", c.inputs, found->second->inputs, report.differences);
    compare_arrays(where, "expected", c.expected, found->second->expected, report.differences);
  }
  for (const auto& [id, unused] : stored_cases) {
    if (!fresh_ids.count(id)) {
      report.differences.push_back(path + ": case " + id + ": in the directory but not generated");
    }
  }
}

// Same data, same bytes: a fresh set written to a scratch folder and the files compared.
void compare_bytes(const GenerateOptions& options, const std::map<std::string, TierSet>& tiers,
                   const std::string& dir, CheckReport& report) {
  const fs::path scratch =
      fs::temp_directory_path() /
      ("bnconf-gen-check-" +
       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  write_all(tiers, scratch.string(), false);
  for (const auto& entry : fs::directory_iterator(scratch)) {
    // A partial check (--tier) compares only the files it regenerated: the manifest also
    // lists the other tiers.
    if (!options.tiers.empty() && entry.path().filename() == "manifest.json") continue;
    const fs::path stored = fs::path(dir) / entry.path().filename();
    if (!fs::exists(stored)) {
      report.differences.push_back(stored.string() + ": missing");
    } else if (formats::file_sha256(stored.string()) !=
               formats::file_sha256(entry.path().string())) {
      report.differences.push_back(stored.string() +
                                   ": same data but different bytes (file layout or manifest)");
    }
  }
  fs::remove_all(scratch);
}

}  // namespace

CheckReport check(const GenerateOptions& options, const std::string& dir) {
  CheckReport report;
  const auto tiers = build_all(options);
  for (const auto& [tier, set] : tiers) {
    compare_tier((fs::path(dir) / (tier + ".h5")).string(), set, report);
  }
  if (report.identical()) compare_bytes(options, tiers, dir, report);
  return report;
}

}  // namespace bnconf::generators
