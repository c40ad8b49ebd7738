// The case catalogue: a data file (generators/catalogue.json) of groups, each expanded into
// cases. docs/fixture-format.md describes the file; the expansion rule is:
//
//   for each entry of the group's "cases" list (or one empty entry when there is none),
//     for each combination of the group's "product" axes,
//       case = group "base" <- entry <- combination   (later keys override earlier ones)
//
// A case id is "<tier>.<group>" followed by the entry's "name" (if any) and the value of each
// product axis, e.g. "core.rank_layout.backward_train.2x3x5x4.channels_last". Seeds come from
// the id (SHA-256), so adding a case never changes the data of another. Each tier's cases have a
// digest of their own (catalogue_sha256 below), so that changing one tier's cases changes no other
// tier's file.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bnconf/cases/case.hpp"

namespace bnconf::generators {

struct CatalogueEntry {
  cases::CaseSpec spec;
  nlohmann::ordered_json
      data;  // input recipes: "x", "dy", "params", "running" (generators/recipes)
  nlohmann::ordered_json mutate;  // deliberate input defects of error cases
  bool on_demand = false;         // too large to commit: generated only when asked for
  // Everything the entry was made from (id, tier, the merged case object, the group's tags and
  // description, on_demand) as one line of JSON: docs/fixture-format.md, "Catalogue digests".
  std::string canonical_text;
};

struct Catalogue {
  std::vector<CatalogueEntry> entries;
};

class CatalogueError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws CatalogueError naming the group and key for anything malformed or any duplicate id.
Catalogue load_catalogue(const std::string& path);

// One case object (the keys a group merges from base, entry and combination) as an entry of
// `tier` with id `id`: the key check, the spec and the recipes, exactly as for a catalogue case.
// Throws CatalogueError naming the id. A fuzzer builds its cases through this.
CatalogueEntry entry_from_json(const nlohmann::ordered_json& case_object, const std::string& id,
                               const std::string& tier, bool on_demand = false);

// SHA-256 (lowercase hex) of the canonical texts of `entries`, each followed by a newline, in the
// order given: the catalogue digest of a tier file, made of the entries it holds, in catalogue
// order. It depends on those entries only.
std::string catalogue_sha256(const std::vector<const CatalogueEntry*>& entries);

// The catalogue file of this source tree (the generator's default).
std::string default_catalogue_path();

}  // namespace bnconf::generators
