// trial.hpp
#include "trial.hpp"

#include <exception>

#include "bnconf/conformance/execute.hpp"
#include "bnconf/conformance/isolation.hpp"
#include "bnconf/conformance/judge.hpp"
#include "bnconf/conformance/requirements.hpp"
#include "bnconf/generators/build_case.hpp"
#include "bnconf/generators/catalogue.hpp"

namespace bnconf::fuzz {

std::string tier_of(const nlohmann::ordered_json& case_object) {
  return case_object.value("operation", std::string()) == "error" ? "errors" : "core";
}

Trial run_trial(const conformance::Backend& backend, const nlohmann::ordered_json& case_object,
                const std::string& id, double timeout_seconds) {
  Trial trial;
  try {
    trial.c = generators::build_case(
        generators::entry_from_json(case_object, id, tier_of(case_object)));
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
  trial.result = conformance::new_result(trial.c);
  const conformance::IsolatedRun run = conformance::run_isolated(
      [&] { return conformance::execute_case(backend, trial.c); }, timeout_seconds);
  try {
    if (run.outcome == conformance::Outcome::completed) {
      conformance::judge_execution(trial.c, run.execution, trial.result);
    } else {
      conformance::judge_incomplete(run, trial.result);
    }
  } catch (const std::exception& e) {  // a failure of bnconf itself, as `run` reports it
    trial.result.status = conformance::CaseStatus::internal_error;
    trial.result.message = std::string("bnconf internal error: ") + e.what();
  }
  return trial;
}

}  // namespace bnconf::fuzz
