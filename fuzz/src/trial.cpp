// trial.hpp
#include "trial.hpp"

#include <exception>

#include "bnconf/conformance/requirements.hpp"
#include "bnconf/conformance/runner.hpp"
#include "bnconf/generators/build_case.hpp"
#include "bnconf/generators/catalogue.hpp"

namespace bnconf::fuzz {

std::string tier_of(const nlohmann::ordered_json& case_object) {
  return case_object.value("operation", std::string()) == "error" ? "errors" : "core";
}

Trial run_trial(const conformance::Backend& backend, const nlohmann::ordered_json& case_object,
                const std::string& id, const conformance::RunOptions& options) {
  Trial trial;
  try {
    trial.c =
        generators::build_case(generators::entry_from_json(case_object, id, tier_of(case_object)));
  } catch (const std::exception& e) {
    // Not a case: the reference rejects a valid-looking draw (M = 1 with Bessel's correction),
    // or an error draw is rejected for another reason than the one intended.
    trial.why = e.what();
    return trial;
  }
  trial.why = conformance::unsupported_reason(backend.capabilities(), trial.c);
  if (!trial.why.empty()) {
    trial.state = Trial::State::unsupported;
    return trial;
  }
  trial.state = Trial::State::ran;
  // In a process of its own under the run's limits, judged as `bnconf run` judges it.
  trial.result = conformance::run_case(backend, trial.c, options);
  return trial;
}

}  // namespace bnconf::fuzz
