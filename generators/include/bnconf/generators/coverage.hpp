// The input-space model (docs/coverage.md): every parameter and input property a backend sees,
// split into equivalence classes and boundaries, each with the operations it applies to. The
// catalogue must hold, for every class and every operation it applies to, at least one case;
// `bnconf coverage --check` (a ctest) fails otherwise, so a class nobody covers cannot hide.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bnconf/cases/operations.hpp"
#include "bnconf/generators/catalogue.hpp"

namespace bnconf::generators {

struct CoverageClass {
  std::string axis;     // "C (channels)", "data of x", "error kind", ...
  std::string name;     // "16", "offset", "bad_eps: NaN", ...
  std::string meaning;  // one line
  std::vector<cases::Operation> operations;  // it applies to these (an error case: its call)
  bool on_demand = false;  // covered by the on-demand tier (too large to commit)
  std::function<bool(const CatalogueEntry&)> covers;
};

// The model, axis by axis.
const std::vector<CoverageClass>& coverage_model();

struct CoverageCell {
  cases::Operation operation;
  std::vector<std::string> case_ids;
};

struct CoverageRow {
  const CoverageClass* coverage_class;
  std::vector<CoverageCell> cells;  // one per operation the class applies to
};

// Which catalogue entries cover each class in each of its operations.
std::vector<CoverageRow> coverage_of(const Catalogue& catalogue);

// The operation an entry exercises: its own, or for an error case the entry point it calls.
cases::Operation exercised_operation(const CatalogueEntry& entry);

}  // namespace bnconf::generators
