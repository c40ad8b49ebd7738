// The aggregate check beside the per-element bounds (docs/tolerances.md, "Rounding bias"): the
// mean signed error of an output, in units of its storage dtype's ulp, over the elements where
// the final rounding dominates the error. A correct backend computes in float and rounds each
// result to nearest, so its errors average 0; truncating instead (or rounding in one direction)
// shifts the mean by about half an ulp while every element stays within its bound.
#pragma once

#include <cstddef>
#include <vector>

#include "bnconf/cases/case.hpp"
#include "bnconf/conformance/result.hpp"
#include "bnconf/ieee/dtype.hpp"

namespace bnconf::conformance {

// Fewer distinct rounded expected values than this leave the statistic too loose to mean anything: not checked.
inline constexpr std::size_t kRoundingBiasMinElements = 64;

// The check for one output stored in `storage` (only outputs narrower than the float
// accumulation, f16 and bf16, are checked: elsewhere the computation's own error is as large as
// the rounding's). Elements count where expected and actual are finite, expected is nonzero and
// within the dtype's finite range; elements whose expected values lie within 1/16 ulp of each
// other between the same two values of the dtype count once, with their mean error. With
// `bounds` (the error model's, one per element), an element counts only where its bound leaves
// at most 1/8 ulp to the computation (bound <= kFloorUlps ulp + kSafety (u_out |e| + ulp / 8)):
// where the model allows more (tiny or subnormal inputs, near-cancelling sums, huge inverse
// standard deviations) a correct backend's computation error is not small next to its rounding
// and would read as bias. Returns elements = 0 when not checked.
RoundingBias rounding_bias(const cases::Array& expected, const cases::Array& actual,
                           ieee::Dtype storage, const std::vector<double>& bounds = {});

}  // namespace bnconf::conformance
