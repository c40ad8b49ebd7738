// A natural logarithm that gives the same bits on every IEEE-754 platform.
//
// std::log is not required to be correctly rounded and its last bit differs between libm
// versions, so a fixture that went through it could not be regenerated bit for bit. This one
// uses only integer operations on the representation and the IEEE basic operations + - * /,
// each rounded once to nearest (the library is compiled with -ffp-contract=off so that no
// a*b+c is fused, which would change the rounding).
//
// Accuracy: below 1 ulp over the whole range. Measured against a 64-bit-significand logl: at
// most 0.82 ulp over the 2.4 million arguments of suites/generators/random/portable_log_test.cpp
// (which asserts < 1 ulp, and <= 2 ulp from std::log) and 0.85 ulp over 40 million random ones;
// the largest errors are just below sqrt(1/2), where e*ln 2 and ln(m) partly cancel. Not
// correctly rounded, but deterministic, which is what fixtures need.
#pragma once

namespace bnconf::ieee {

// ln(x). Special values as IEEE/C99 log: ln(+-0) = -inf, ln(x < 0) = NaN, ln(+inf) = +inf,
// ln(NaN) = NaN, ln(1) = +0. Subnormal arguments are handled.
double portable_log(double x);

}  // namespace bnconf::ieee
