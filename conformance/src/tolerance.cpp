// The tolerance model's public entry: each operation's derivation (the operation table names it)
// applied once per case. The derivations are in tolerance_forward.cpp, tolerance_backward.cpp and
// tolerance_sequences.cpp; their primitives in tolerance_model.cpp; docs/tolerances.md derives
// every formula.
#include "bnconf/conformance/tolerance.hpp"

#include <array>
#include <stdexcept>

#include "bnconf/cases/operations.hpp"
#include "tolerance_model.hpp"

namespace bnconf::conformance {
namespace {

namespace tm = tolerance_model;
using Derivation = tm::Bounds (*)(const cases::Case&, const tm::Precision&);

tm::Bounds nothing_to_bound(const cases::Case&, const tm::Precision&) { return {}; }

// Indexed by cases::ToleranceModel.
constexpr std::array<Derivation, cases::kToleranceModelCount> kDerivations{
    tm::forward_train_bounds,   // training_step
    tm::forward_eval_bounds,    // inference
    tm::backward_train_bounds,  // backward_batch
    tm::backward_eval_bounds,   // backward_frozen
    tm::sequence_bounds,        // sequence
    tm::pipeline_bounds,        // pipeline
    nothing_to_bound,           // rejection
};
static_assert(static_cast<std::size_t>(cases::ToleranceModel::rejection) + 1 ==
              kDerivations.size());

}  // namespace

CaseBounds error_model_bounds(const cases::Case& c) {
  const auto model = cases::row_of(c.spec.operation).tolerance;
  CaseBounds bounds =
      kDerivations[static_cast<std::size_t>(model)](c, tm::precision_of(c.spec.dtype));
  for (const auto& [name, expected] : c.expected) {
    const auto it = bounds.find(name);
    if (it == bounds.end() || it->second.size() != expected.values.size()) {
      throw std::invalid_argument("tolerance_bounds: no tolerance model for output " + name +
                                  " of case " + c.spec.id);
    }
  }
  tm::mark_open_elements(c, bounds);
  return bounds;
}

std::vector<double> tolerance_bounds(const cases::Case& c, const std::string& output) {
  if (!c.expected.count(output)) {
    throw std::invalid_argument("tolerance_bounds: case " + c.spec.id + " has no expected output " +
                                output);
  }
  return error_model_bounds(c).at(output);
}

}  // namespace bnconf::conformance
