// Software rounding to f16, bf16 and f32: exhaustive checks over all 16-bit patterns, every
// tie between neighbours, the overflow threshold, subnormals and NaN; f32 (and f16 where the
// compiler has _Float16) cross-checked against the hardware/compiler conversion.
#include "bnconf/ieee/rounding.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "bnconf/random/distributions.hpp"
#include "bnconf/random/stream.hpp"

namespace {

using namespace bnconf::ieee;
using namespace bnconf::random;

constexpr double kInf = std::numeric_limits<double>::infinity();

std::uint64_t bits_of(double x) { return std::bit_cast<std::uint64_t>(x); }

bool is_nan_pattern(std::uint16_t b, int fraction_bits) {
  const unsigned exponent_mask = 0x7fffu >> fraction_bits << fraction_bits;
  return (b & exponent_mask) == exponent_mask && (b & ((1u << fraction_bits) - 1)) != 0;
}

// Every pattern decodes to a value that rounds to itself and encodes back to the pattern.
template <typename Encode, typename Decode, typename Round>
void expect_all_patterns_round_trip(Encode encode, Decode decode, Round round, Dtype dtype,
                                    int fraction_bits, std::uint16_t quiet_nan) {
  for (std::uint32_t p = 0; p <= 0xffff; ++p) {
    const auto b = static_cast<std::uint16_t>(p);
    const double v = decode(b);
    if (is_nan_pattern(b, fraction_bits)) {
      ASSERT_TRUE(std::isnan(v)) << std::hex << p;
      ASSERT_TRUE(std::isnan(round(v))) << std::hex << p;
      ASSERT_EQ(encode(v), (b & 0x8000u) | quiet_nan) << std::hex << p;
      continue;
    }
    ASSERT_EQ(bits_of(round(v)), bits_of(v)) << std::hex << p;  // signed zeros included
    ASSERT_EQ(encode(v), b) << std::hex << p;
    ASSERT_TRUE(is_representable(v, dtype)) << std::hex << p;
  }
}

// For each pair of neighbours lo < hi (both signs; hi may be infinity, i.e. the next pattern),
// the midpoint (exact in double) goes to the one with an even pattern, and the doubles just
// below and above it go to the nearer one.
template <typename Encode, typename Decode>
void expect_all_ties_to_even(Encode encode, Decode decode, std::uint16_t infinity_pattern) {
  for (std::uint32_t sign : {0u, 0x8000u}) {
    for (std::uint32_t p = 0; p < infinity_pattern; ++p) {
      const auto lo_bits = static_cast<std::uint16_t>(sign | p);
      const auto hi_bits = static_cast<std::uint16_t>(sign | (p + 1));
      const double lo = decode(lo_bits);
      const double hi = decode(hi_bits);
      // The midpoint of max_finite and infinity is max_finite + half its ulp.
      const double mid = std::isinf(hi)
                             ? lo + (lo - decode(static_cast<std::uint16_t>(sign | (p - 1)))) / 2
                             : lo + (hi - lo) / 2;
      const std::uint16_t even = (p % 2 == 0) ? lo_bits : hi_bits;
      ASSERT_EQ(encode(mid), even) << std::hex << lo_bits;
      ASSERT_EQ(encode(std::nextafter(mid, 0.0)), lo_bits) << std::hex << lo_bits;
      ASSERT_EQ(encode(std::nextafter(mid, std::copysign(kInf, mid))), hi_bits)
          << std::hex << lo_bits;
    }
  }
}

// --- f16 -----------------------------------------------------------------------------------

TEST(RoundToF16, AllPatternsRoundTrip) {
  expect_all_patterns_round_trip(f16_bits, f16_from_bits, to_f16, Dtype::f16, 10, 0x7e00);
}

TEST(RoundToF16, AllTiesGoToEven) { expect_all_ties_to_even(f16_bits, f16_from_bits, 0x7c00); }

TEST(RoundToF16, TiesToEvenExamples) {
  EXPECT_EQ(to_f16(1.0 + 0x1p-11), 1.0);                      // tie, 1.0 is even
  EXPECT_EQ(to_f16(1.0 + 3 * 0x1p-11), 1.0 + 0x1p-9);         // tie, 1 + 2^-10 is odd
  EXPECT_EQ(to_f16(1.0 + 0x1p-11 + 0x1p-40), 1.0 + 0x1p-10);  // just above the tie
  EXPECT_EQ(to_f16(2049.0), 2048.0);                          // spacing 2 above 2048
  EXPECT_EQ(to_f16(2051.0), 2052.0);
}

TEST(RoundToF16, OverflowThreshold) {
  EXPECT_EQ(to_f16(65504.0), 65504.0);
  EXPECT_EQ(to_f16(65519.99), 65504.0);
  EXPECT_EQ(to_f16(std::nextafter(65520.0, 0.0)), 65504.0);
  EXPECT_EQ(to_f16(65520.0), kInf);
  EXPECT_EQ(to_f16(-65520.0), -kInf);
  EXPECT_EQ(to_f16(1e300), kInf);
  EXPECT_EQ(to_f16(kInf), kInf);
  EXPECT_EQ(f16_bits(65520.0), 0x7c00);
  EXPECT_EQ(f16_bits(-kInf), 0xfc00);
}

TEST(RoundToF16, Subnormals) {
  EXPECT_EQ(to_f16(0x1p-24), 0x1p-24);  // smallest subnormal
  EXPECT_EQ(f16_bits(0x1p-24), 0x0001);
  EXPECT_EQ(to_f16(0x1p-25), 0.0);                           // tie with 0, 0 is even
  EXPECT_EQ(to_f16(std::nextafter(0x1p-25, 1.0)), 0x1p-24);  // just above half: rounds up
  EXPECT_EQ(to_f16(3 * 0x1p-25), 0x1p-23);                   // tie between 1 and 2 units
  EXPECT_EQ(to_f16(0x1p-14 - 0x1p-25), 0x1p-14);  // tie at the top: rounds up to the normal
  EXPECT_EQ(f16_bits(0x1p-14), 0x0400);
  EXPECT_EQ(f16_bits(0x1p-14 - 0x1p-24), 0x03ff);  // largest subnormal
  EXPECT_EQ(to_f16(std::numeric_limits<double>::denorm_min()), 0.0);
  EXPECT_EQ(bits_of(to_f16(-1e-30)), bits_of(-0.0));  // the sign of an underflow is kept
  EXPECT_EQ(f16_bits(-0.0), 0x8000);
}

TEST(RoundToF16, NanStaysNan) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(std::isnan(to_f16(nan)));
  EXPECT_EQ(f16_bits(nan), 0x7e00);
  EXPECT_EQ(f16_bits(-nan), 0xfe00);
  EXPECT_TRUE(std::isnan(f16_from_bits(0x7c01)));  // signalling pattern decodes to NaN
  EXPECT_TRUE(is_representable(nan, Dtype::f16));
}

#if defined(__FLT16_MAX__)
// The compiler's double -> _Float16 conversion (libgcc's __truncdfhf2 or hardware) rounds
// directly to nearest-even: an independent implementation to compare with.
TEST(RoundToF16, AgreesWithCompilerFloat16Conversion) {
  Stream stream(16, 16);
  for (int k = 0; k < 1000000; ++k) {
    ElementDraws draws = stream.next_element();
    // Random significand, exponent spread over [-30, 17] (subnormal to overflow), random sign.
    const std::uint64_t r = draws.next_u64();
    const int exponent = static_cast<int>(uniform_int(draws, 48)) - 30;
    const double x =
        std::ldexp(1.0 + static_cast<double>(r >> 12) * 0x1p-52, exponent) * random_sign(draws);
    const double expected = static_cast<double>(static_cast<_Float16>(x));
    ASSERT_EQ(bits_of(to_f16(x)), bits_of(expected)) << std::hexfloat << x;
  }
}
#endif

// --- bf16 ----------------------------------------------------------------------------------

TEST(RoundToBf16, AllPatternsRoundTrip) {
  expect_all_patterns_round_trip(bf16_bits, bf16_from_bits, to_bf16, Dtype::bf16, 7, 0x7fc0);
}

TEST(RoundToBf16, AllTiesGoToEven) { expect_all_ties_to_even(bf16_bits, bf16_from_bits, 0x7f80); }

TEST(RoundToBf16, TiesToEvenExamples) {
  EXPECT_EQ(to_bf16(1.0 + 0x1p-8), 1.0);
  EXPECT_EQ(to_bf16(1.0 + 3 * 0x1p-8), 1.0 + 0x1p-6);
  EXPECT_EQ(to_bf16(-(1.0 + 0x1p-8)), -1.0);
  EXPECT_EQ(bf16_bits(1.0), 0x3f80);
  EXPECT_EQ(bf16_bits(-2.0), 0xc000);
}

TEST(RoundToBf16, RoundsOnceFromDoubleNotTwiceViaFloat) {
  // Via float, 1 + 2^-8 + 2^-40 would first become 1 + 2^-8 (a tie) and then 1.
  const double x = 1.0 + 0x1p-8 + 0x1p-40;
  EXPECT_EQ(static_cast<float>(x), 1.0f + 0x1p-8f);
  EXPECT_EQ(to_bf16(x), 1.0 + 0x1p-7);
}

TEST(RoundToBf16, OverflowAndSubnormals) {
  EXPECT_EQ(to_bf16(0x1.fep127), 0x1.fep127);
  EXPECT_EQ(to_bf16(std::nextafter(0x1.ffp127, 0.0)), 0x1.fep127);
  EXPECT_EQ(to_bf16(0x1.ffp127), kInf);  // max + half an ulp: tie, and infinity is "even"
  EXPECT_EQ(to_bf16(-1e39), -kInf);
  EXPECT_EQ(to_bf16(0x1p-133), 0x1p-133);
  EXPECT_EQ(to_bf16(0x1p-134), 0.0);
  EXPECT_EQ(to_bf16(0x1.8p-133), 0x1p-132);
}

TEST(RoundToBf16, NanStaysNan) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(std::isnan(to_bf16(nan)));
  EXPECT_EQ(bf16_bits(nan), 0x7fc0);
  EXPECT_EQ(bf16_bits(-nan), 0xffc0);
  // A NaN whose payload lies only in bits that bf16 drops: truncating its float pattern
  // 0x7f800001 would give infinity; it must stay NaN.
  const double low_payload_nan = static_cast<double>(std::bit_cast<float>(0x7f800001u));
  EXPECT_TRUE(std::isnan(to_bf16(low_payload_nan)));
  EXPECT_EQ(bf16_bits(low_payload_nan) & 0x7fc0, 0x7fc0);
}

TEST(RoundToBf16, AgreesWithTheRoundingOfFloatPatterns) {
  // For inputs that are floats, bf16 rounding is the well-known integer rounding of the upper
  // half of the float pattern: (u + 0x7fff + ((u >> 16) & 1)) >> 16 (finite inputs).
  Stream stream(17, 17);
  for (int k = 0; k < 1000000; ++k) {
    const auto u = static_cast<std::uint32_t>(stream.next_element().next_u64());
    const float f = std::bit_cast<float>(u);
    if (std::isnan(f) || std::isinf(f)) continue;
    const std::uint32_t expected = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    ASSERT_EQ(bf16_bits(f), expected) << std::hex << u;
  }
}

// --- f32 and f64 ---------------------------------------------------------------------------

TEST(RoundToF32, AgreesWithStaticCastToFloat) {
  // static_cast<float> is IEEE round-to-nearest-even (default rounding mode): it checks the
  // generic software rounding on a format with a hardware reference.
  Stream stream(32, 32);
  for (int k = 0; k < 1000000; ++k) {
    ElementDraws draws = stream.next_element();
    const std::uint64_t r = draws.next_u64();
    // Half of the inputs: arbitrary bit patterns; half: exponents around the float range.
    double x = std::bit_cast<double>(r);
    if (k % 2 == 1) {
      const int exponent = static_cast<int>(uniform_int(draws, 290)) - 160;
      x = std::ldexp(1.0 + static_cast<double>(r >> 12) * 0x1p-52, exponent);
    }
    if (std::isnan(x)) {
      ASSERT_TRUE(std::isnan(to_f32(x)));
      continue;
    }
    const double expected = static_cast<double>(static_cast<float>(x));
    ASSERT_EQ(bits_of(to_f32(x)), bits_of(expected)) << std::hexfloat << x;
  }
}

TEST(RoundToF32, EdgeCases) {
  EXPECT_EQ(to_f32(0x1.fffffefp127), 0x1.fffffep127);
  EXPECT_EQ(to_f32(0x1.ffffffp127), kInf);
  EXPECT_EQ(to_f32(0x1p-149), 0x1p-149);
  EXPECT_EQ(to_f32(0x1p-150), 0.0);
  EXPECT_EQ(to_f32(1.0 + 0x1p-24), 1.0);
}

TEST(RoundToF64, IsTheIdentity) {
  for (const double x : {0.0, -0.0, 1.0 / 3.0, 0x1p-1074, 1e308, -kInf}) {
    EXPECT_EQ(bits_of(round_to(x, Dtype::f64)), bits_of(x));
    EXPECT_TRUE(is_representable(x, Dtype::f64));
  }
}

TEST(IsRepresentable, Examples) {
  EXPECT_TRUE(is_representable(0.5, Dtype::bf16));
  EXPECT_FALSE(is_representable(1.0 / 3.0, Dtype::f32));
  EXPECT_FALSE(is_representable(1.0 / 3.0, Dtype::f16));
  EXPECT_TRUE(is_representable(65504.0, Dtype::f16));
  EXPECT_FALSE(is_representable(65505.0, Dtype::f16));
  EXPECT_FALSE(is_representable(65536.0, Dtype::f16));  // above max: would overflow
  EXPECT_TRUE(is_representable(0x1p-24, Dtype::f16));
  EXPECT_FALSE(is_representable(0x1p-25, Dtype::f16));
  EXPECT_TRUE(is_representable(kInf, Dtype::f16));
  EXPECT_TRUE(is_representable(std::nan(""), Dtype::bf16));
  EXPECT_FALSE(is_representable(1e300, Dtype::f32));
  EXPECT_TRUE(is_representable(0x1.fep127, Dtype::bf16));
  EXPECT_FALSE(is_representable(0x1.fdp127, Dtype::bf16));  // between 0x1.fc and 0x1.fe
  for (const Dtype d : {Dtype::f32, Dtype::f16, Dtype::bf16}) {
    EXPECT_TRUE(is_representable(max_finite(d), d));
    EXPECT_TRUE(is_representable(smallest_subnormal(d), d));
    EXPECT_FALSE(is_representable(smallest_subnormal(d) / 2, d));
  }
}

}  // namespace

namespace {

using bnconf::ieee::Dtype;

// Round-to-nearest sends a magnitude to infinity exactly from the threshold on: just below it
// rounds to the largest finite value (f16: 65519.99 -> 65504, 65520 -> inf).
TEST(OverflowThreshold, JustBelowRoundsToMaxFiniteAndTheThresholdToInfinity) {
  using bnconf::ieee::max_finite;
  using bnconf::ieee::overflow_threshold;
  using bnconf::ieee::round_to;
  EXPECT_EQ(overflow_threshold(Dtype::f16), 65520.0);
  for (const Dtype d : {Dtype::f32, Dtype::f16, Dtype::bf16}) {
    const double t = overflow_threshold(d);
    EXPECT_EQ(round_to(std::nextafter(t, 0.0), d), max_finite(d));
    EXPECT_EQ(round_to(t, d), std::numeric_limits<double>::infinity());
    EXPECT_EQ(round_to(-t, d), -std::numeric_limits<double>::infinity());
  }
  EXPECT_EQ(overflow_threshold(Dtype::f64), std::numeric_limits<double>::infinity());
}

}  // namespace
