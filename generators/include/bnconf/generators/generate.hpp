// `bnconf gen`: writing the golden fixtures from the catalogue, and checking a directory
// against a fresh generation bit for bit.
#pragma once

#include <string>
#include <vector>

#include "bnconf/cases/case.hpp"

namespace bnconf::generators {

struct GenerateOptions {
  std::string catalogue_path;      // default: the source tree's generators/catalogue.json
  std::vector<std::string> tiers;  // empty: every tier
  bool include_on_demand = false;  // also the groups too large to commit
};

struct GenerateSummary {
  std::size_t cases = 0;
  std::vector<std::string> files;  // written, in order
  double seconds = 0;
};

// Writes <tier>.h5 for every tier and manifest.json into `out_dir` (created if needed).
GenerateSummary generate(const GenerateOptions& options, const std::string& out_dir);

struct CheckReport {
  std::vector<std::string> differences;  // one line each: file, case, dataset or attribute
  std::size_t cases_compared = 0;
  bool identical() const { return differences.empty(); }
};

// Regenerates and compares with `dir`: every case, dataset and attribute bit for bit, then the
// files' bytes and the manifest.
CheckReport check(const GenerateOptions& options, const std::string& dir);

// Writes cases built outside the catalogue (a fuzzer's reproducer) as a fixture set of their own
// in `out_dir`: <tier>.h5 per tier and manifest.json, so that `bnconf run --fixtures out_dir`
// verifies and loads them like the committed set. `provenance` takes the catalogue digest's place
// in the files and the manifest (e.g. "fuzz seed 7").
void write_case_set(const std::vector<cases::Case>& cases, const std::string& provenance,
                    const std::string& out_dir);

// The generator's version, stored in every file (the project version).
std::string generator_version();

}  // namespace bnconf::generators
