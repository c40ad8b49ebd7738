// Dtype names and format constants, checked against their defining formulas and, for f64 and
// f32, against std::numeric_limits.
#include "bnconf/ieee/dtype.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <iterator>
#include <limits>
#include <optional>
#include <string>

namespace {

using namespace bnconf::ieee;

constexpr Dtype kAll[] = {Dtype::f64, Dtype::f32, Dtype::f16, Dtype::bf16};

TEST(Dtype, NamesRoundTrip) {
  EXPECT_EQ(to_string(Dtype::f64), "f64");
  EXPECT_EQ(to_string(Dtype::f32), "f32");
  EXPECT_EQ(to_string(Dtype::f16), "f16");
  EXPECT_EQ(to_string(Dtype::bf16), "bf16");
  for (const Dtype d : kAll) EXPECT_EQ(dtype_from_string(to_string(d)), d);
}

TEST(Dtype, UnknownNamesAreRejected) {
  EXPECT_EQ(dtype_from_string(""), std::nullopt);
  EXPECT_EQ(dtype_from_string("F32"), std::nullopt);
  EXPECT_EQ(dtype_from_string("float16"), std::nullopt);
  EXPECT_EQ(dtype_from_string("bf16 "), std::nullopt);
}

TEST(Dtype, TheListHoldsEveryEnumeratorInOrder) {
  for (std::size_t i = 0; i < kAllDtypes.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(kAllDtypes[i]), i);
  }
  EXPECT_EQ(kAllDtypes.size(), std::size(kAll));
}

TEST(Dtype, StorageBytesAreTheEncodingWidths) {
  EXPECT_EQ(storage_bytes(Dtype::f64), sizeof(double));
  EXPECT_EQ(storage_bytes(Dtype::f32), sizeof(float));
  EXPECT_EQ(storage_bytes(Dtype::f16), 2u);
  EXPECT_EQ(storage_bytes(Dtype::bf16), 2u);
}

TEST(Dtype, ConstantsFollowFromTheFormatParameters) {
  for (const Dtype d : kAll) {
    const FloatFormat f = format_of(d);
    SCOPED_TRACE(std::string(to_string(d)));
    EXPECT_EQ(mantissa_digits(d), f.digits);
    EXPECT_EQ(unit_roundoff(d), std::ldexp(1.0, -f.digits));
    EXPECT_EQ(max_finite(d),
              (2.0 - std::ldexp(1.0, 1 - f.digits)) * std::ldexp(1.0, f.max_exponent));
    EXPECT_EQ(smallest_normal(d), std::ldexp(1.0, f.min_exponent));
    EXPECT_EQ(smallest_subnormal(d), std::ldexp(1.0, f.min_exponent - f.digits + 1));
    // IEEE interchange layout: bias = emax = 2^(w-1) - 1, emin = 1 - emax.
    EXPECT_EQ(f.max_exponent, (1 << (f.exponent_bits - 1)) - 1);
    EXPECT_EQ(f.min_exponent, 1 - f.max_exponent);
  }
  // bf16 and f16 occupy 16 bits, f32 32 and f64 64.
  EXPECT_EQ(1 + format_of(Dtype::f16).exponent_bits + format_of(Dtype::f16).digits - 1, 16);
  EXPECT_EQ(1 + format_of(Dtype::bf16).exponent_bits + format_of(Dtype::bf16).digits - 1, 16);
}

TEST(Dtype, F64AndF32MatchNumericLimits) {
  using D = std::numeric_limits<double>;
  using F = std::numeric_limits<float>;
  EXPECT_EQ(mantissa_digits(Dtype::f64), D::digits);
  EXPECT_EQ(max_finite(Dtype::f64), D::max());
  EXPECT_EQ(smallest_normal(Dtype::f64), D::min());
  EXPECT_EQ(smallest_subnormal(Dtype::f64), D::denorm_min());
  EXPECT_EQ(unit_roundoff(Dtype::f64), D::epsilon() / 2);
  EXPECT_EQ(mantissa_digits(Dtype::f32), F::digits);
  EXPECT_EQ(max_finite(Dtype::f32), F::max());
  EXPECT_EQ(smallest_normal(Dtype::f32), F::min());
  EXPECT_EQ(smallest_subnormal(Dtype::f32), F::denorm_min());
  EXPECT_EQ(unit_roundoff(Dtype::f32), F::epsilon() / 2);
}

TEST(Dtype, HalfFormatsHaveTheirWellKnownValues) {
  EXPECT_EQ(max_finite(Dtype::f16), 65504.0);
  EXPECT_EQ(smallest_normal(Dtype::f16), 6.103515625e-05);
  EXPECT_EQ(smallest_subnormal(Dtype::f16), 5.9604644775390625e-08);
  EXPECT_EQ(max_finite(Dtype::bf16), 3.3895313892515355e+38);
  EXPECT_EQ(smallest_normal(Dtype::bf16), smallest_normal(Dtype::f32));
  EXPECT_EQ(smallest_subnormal(Dtype::bf16), 0x1p-133);
}

}  // namespace
