// The per-element formulas of the reference's output passes, with their per-channel
// coefficients in double-double. These scalar functions are the definition: the exact path
// loops over them, and the vector kernels of the fast path (fast/kernels_body.inc) compute the
// same IEEE operations in the same order, lane by lane, and call these functions for every lane
// where a product could have left the range in which Dekker's and the FMA's product error agree,
// and for every lane whose result is NaN. They are compiled once, out of line
// (element_formulas.cpp), so that both paths run the same machine code: which NaN an operation
// with two NaN operands returns depends on the order the compiler chose for the operands.
#pragma once

#include "bnconf/reference/numerics/double_double.hpp"

namespace bnconf::reference::detail {

// y = scale * (x - centre) + shift.
struct ChannelTransform {
  numerics::DoubleDouble centre;  // the mean used to normalise
  numerics::DoubleDouble scale;   // gamma / sqrt(var + eps)
  double shift = 0.0;             // beta
};

// dx = a * (dy - b - (x - mean) * k), mean = centre + mean_lo (docs/accuracy.md, "Backward").
struct BackwardCoefficients {
  double centre = 0.0;
  double mean_lo = 0.0;
  numerics::DoubleDouble a, b, k;
};

// x - centre is split exactly (two_sum), the product with scale.hi is exact (two_prod), and all
// low-order parts are gathered before one final rounding, so y is within about half an ulp of
// the exact value (plus u^2 times the terms' magnitude).
double transform_element(double x, const ChannelTransform& t);

// dx of the training backward, the bracket dy - b - (x - mean) * k gathered in double-double.
double backward_element(double x, double dy, const BackwardCoefficients& co);

// dx of the frozen-statistics backward: a * dy with one final rounding.
double scale_element(double dy, numerics::DoubleDouble a);

}  // namespace bnconf::reference::detail
