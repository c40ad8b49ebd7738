#include "bnconf/conformance/requirements.hpp"

#include "abi_values.hpp"
#include "bnconf/cases/operations.hpp"

namespace bnconf::conformance {
namespace {

using cases::Case;
using cases::Operation;
using cases::RunningUse;

bool has(std::uint32_t mask, std::uint32_t bit) { return (mask & bit) != 0; }
bool is_error(const Case& c) { return c.spec.operation == Operation::error; }
RunningUse running_use(const Case& c) { return cases::row_of(c.spec.operation).running; }
bool keeps_running(const bnconf_capabilities& caps) {
  return has(caps.features, BNCONF_FEATURE_RUNNING_STATS);
}
// Takes given running statistics: keeps its own, or normalises with given ones (GLOBAL_STATS).
bool takes_running(const bnconf_capabilities& caps) {
  return keeps_running(caps) || has(caps.features, BNCONF_FEATURE_GLOBAL_STATS);
}

std::string input_validation(const bnconf_capabilities& caps, const Case& c) {
  return is_error(c) && !has(caps.features, BNCONF_FEATURE_VALIDATES_INPUT)
             ? "input validation (errors tier)"
             : "";
}

std::string dtype(const bnconf_capabilities& caps, const Case& c) {
  return has(caps.dtypes, capability_bit(c.spec.dtype))
             ? ""
             : "dtype " + std::string(ieee::to_string(c.spec.dtype));
}

std::string layout(const bnconf_capabilities& caps, const Case& c) {
  return has(caps.layouts, capability_bit(c.spec.layout))
             ? ""
             : "layout " + std::string(reference::to_string(c.spec.layout));
}

std::string dy_layout(const bnconf_capabilities& caps, const Case& c) {
  const auto layout = c.spec.dy_layout;
  return !layout || has(caps.layouts, capability_bit(*layout))
             ? ""
             : "layout " + std::string(reference::to_string(*layout)) + " (of dy)";
}

std::string strided_view(const bnconf_capabilities& caps, const Case& c) {
  return c.spec.view == cases::View::strided && !has(caps.features, BNCONF_FEATURE_STRIDED)
             ? "strided inputs (BNCONF_FEATURE_STRIDED)"
             : "";
}

// Error cases may have any rank on purpose.
std::string rank(const bnconf_capabilities& caps, const Case& c) {
  const std::size_t r = c.spec.shape.size();
  return is_error(c) || (r < 32 && has(caps.ranks, 1u << r)) ? "" : "rank " + std::to_string(r);
}

std::string entry_points(const bnconf_capabilities& caps, const Case& c) {
  std::string missing;
  for (const auto entry : cases::kAllEntries) {
    if (cases::contains(cases::entries_of(c.spec), entry) &&
        !has(caps.operations, static_cast<std::uint32_t>(entry))) {
      missing += (missing.empty() ? "" : " + ") + std::string(cases::to_string(entry));
    }
  }
  return missing.empty() ? "" : "operation " + missing;
}

// The rows below concern the configuration of a valid case; an error case only needs to reach
// the entry point it calls.
std::string no_affine(const bnconf_capabilities& caps, const Case& c) {
  return !is_error(c) && !c.spec.spec.affine && !has(caps.features, BNCONF_FEATURE_NO_AFFINE)
             ? "affine=false"
             : "";
}

std::string untracked(const bnconf_capabilities& caps, const Case& c) {
  return !is_error(c) && !c.spec.spec.track_running_stats &&
                 !has(caps.features, BNCONF_FEATURE_UNTRACKED)
             ? "track_running_stats=false"
             : "";
}

// A backend that only takes given statistics (GLOBAL_STATS) is still judged on a tracked
// training step's y and batch statistics; sequences and pipelines chain running statistics.
std::string updated_running_stats(const bnconf_capabilities& caps, const Case& c) {
  if (is_error(c) || !cases::updates_running_stats(c.spec) || keeps_running(caps)) return "";
  return running_use(c) == RunningUse::chains || !takes_running(caps) ? "running statistics" : "";
}

bool judged_on_running_update(const bnconf_capabilities& caps, const Case& c) {
  return !is_error(c) && cases::updates_running_stats(c.spec) && keeps_running(caps);
}

std::string momentum_convention(const bnconf_capabilities& caps, const Case& c) {
  const auto convention = c.spec.spec.momentum_convention;
  return judged_on_running_update(caps, c) && !has(caps.conventions, capability_bit(convention))
             ? "momentum convention " + std::string(reference::to_string(convention))
             : "";
}

std::string running_var_estimator(const bnconf_capabilities& caps, const Case& c) {
  const auto estimator = c.spec.spec.running_var_estimator;
  return judged_on_running_update(caps, c) && !has(caps.estimators, capability_bit(estimator))
             ? "running variance estimator " + std::string(reference::to_string(estimator))
             : "";
}

std::string momentum_none(const bnconf_capabilities& caps, const Case& c) {
  return judged_on_running_update(caps, c) && !c.spec.spec.momentum &&
                 !has(caps.features, BNCONF_FEATURE_MOMENTUM_NONE)
             ? "momentum none"
             : "";
}

std::string given_running_stats(const bnconf_capabilities& caps, const Case& c) {
  return !is_error(c) && running_use(c) == RunningUse::normalises &&
                 c.spec.spec.track_running_stats && !takes_running(caps)
             ? "running statistics"
             : "";
}

}  // namespace

const std::vector<Requirement>& requirements() {
  static const std::vector<Requirement> rows{
      {"input validation", "an errors-tier case needs BNCONF_FEATURE_VALIDATES_INPUT",
       input_validation},
      {"dtype", "the case's dtype among the declared dtypes", dtype},
      {"layout", "the case's layout among the declared layouts", layout},
      {"dy layout", "dy's own layout, when it differs from x's, among the declared layouts",
       dy_layout},
      {"strided view", "a strided (non-contiguous) input needs BNCONF_FEATURE_STRIDED",
       strided_view},
      {"rank", "the rank of x among the declared ranks (valid cases)", rank},
      {"entry points", "every entry point the operation calls (the operation table's)",
       entry_points},
      {"affine", "affine=false needs BNCONF_FEATURE_NO_AFFINE", no_affine},
      {"untracked", "track_running_stats=false needs BNCONF_FEATURE_UNTRACKED", untracked},
      {"running update",
       "an operation that updates running statistics needs BNCONF_FEATURE_RUNNING_STATS; a "
       "single training step also runs with GLOBAL_STATS (running outputs not checked)",
       updated_running_stats},
      {"momentum convention", "the convention of a judged running update", momentum_convention},
      {"running variance estimator", "the estimator of a judged running update",
       running_var_estimator},
      {"momentum none", "a cumulative average needs BNCONF_FEATURE_MOMENTUM_NONE", momentum_none},
      {"given running statistics",
       "eval with running statistics needs BNCONF_FEATURE_RUNNING_STATS or GLOBAL_STATS",
       given_running_stats},
  };
  return rows;
}

std::string unsupported_reason(const bnconf_capabilities& capabilities, const Case& c) {
  for (const auto& row : requirements()) {
    std::string missing = row.missing(capabilities, c);
    if (!missing.empty()) return missing;
  }
  return "";
}

}  // namespace bnconf::conformance
