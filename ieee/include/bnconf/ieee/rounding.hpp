// Rounding doubles to the storage dtypes, in software, identically everywhere.
//
// Rule (IEEE 754-2008 section 4.3.1, roundTiesToEven, the default attribute): the result is the
// representable value nearest to x; of two equally near, the one with an even last significand
// bit. Subnormal results are rounded the same way on the fixed grid below the smallest normal
// (gradual underflow), and a magnitude at or above max_finite + ulp(max_finite)/2 becomes
// infinity (for f16: 65520 -> inf, anything below -> at most 65504). The sign of zero is kept
// and NaN stays NaN (a quiet NaN with x's sign; payloads are not carried).
//
// Rounding is done from the bits of x with integer arithmetic, directly from double (never via
// float, which would round twice), so it does not depend on the hardware, the compiler's
// support for half types or the floating-point environment. Results are returned as doubles,
// which hold every value of every dtype exactly.
#pragma once

#include <cstdint>

#include "bnconf/ieee/dtype.hpp"

namespace bnconf::ieee {

// x rounded to nearest-even in `dtype` (the identity for f64).
double round_to(double x, Dtype dtype);

// The smallest magnitude that round-to-nearest takes to infinity in `dtype`: the largest finite
// value plus half its ulp, (2 - 2^-digits) * 2^max_exponent (IEEE 754-2008 section 4.3.1);
// +inf for f64, where that magnitude is itself beyond the doubles.
double overflow_threshold(Dtype dtype);

double to_f32(double x);
double to_f16(double x);
double to_bf16(double x);

// Whether x is a value of `dtype`: round_to(x, dtype) == x; NaN and infinities are values of
// every dtype.
bool is_representable(double x, Dtype dtype);

// Encodings (sign, exponent field, fraction field; the IEEE interchange layout for f16 and the
// upper half of the binary32 layout for bf16). *_bits round x first; NaN encodes as the quiet
// NaN 0x7e00 (f16) or 0x7fc0 (bf16) with x's sign. *_from_bits decode exactly; any NaN decodes
// to a quiet double NaN with the same sign.
std::uint16_t f16_bits(double x);
double f16_from_bits(std::uint16_t bits);
std::uint16_t bf16_bits(double x);
double bf16_from_bits(std::uint16_t bits);

}  // namespace bnconf::ieee
