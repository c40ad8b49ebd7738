// Verdicts: a backend's outputs for one case against the expected outputs and the tolerance
// model, with the same rules whether they came from `run` or from a results file (`check`).
// Which outputs are judged comes from the operation table.
#pragma once

#include <limits>
#include <map>
#include <string>
#include <vector>

#include "bnconf/conformance/execute.hpp"
#include "bnconf/conformance/isolation.hpp"
#include "bnconf/conformance/result.hpp"
#include "bnconf/conformance/tolerance.hpp"

namespace bnconf::conformance {

// Compares one output element by element with its bounds: an expected NaN needs NaN, an expected
// infinity the same infinity, a finite expected value |actual - expected| <= bound, except for
// the markers kAnyValue and kAnyNonFinite (tolerance.hpp). `overflow_at`: the magnitude from
// which the output's storage dtype rounds to infinity; where the bound reaches it, the infinity
// of the expected value's sign passes too (a correct f16 result of 72977 is +inf).
OutputCheck compare_output(const std::string& name, const cases::Array& expected,
                           const cases::Array& actual, const std::vector<double>& bounds,
                           double overflow_at = std::numeric_limits<double>::infinity());

// Judges a completed execution. Error cases pass when the backend rejected the input. Throws
// (std::exception) only on a failure of bnconf itself, e.g. a case without an output its
// operation requires.
void judge_execution(const cases::Case& c, const Execution& execution, CaseResult& result,
                     const ToleranceRule& rule = {});

// A run that did not complete (crash or timeout).
void judge_incomplete(const IsolatedRun& run, CaseResult& result);

}  // namespace bnconf::conformance
