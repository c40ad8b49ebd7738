// portable_log accuracy. The library's determinism does not depend on std::log in any way; the
// platform log is used here only as an approximate yardstick (within 2 ulp, so the test holds
// with any decent libm), plus, where long double has a 64-bit significand, a measurement of the
// error in fractions of an ulp against logl.
#include "bnconf/ieee/portable_log.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

namespace {

using bnconf::ieee::portable_log;

// Doubles mapped to integers in increasing order, so ulp distance is a difference.
std::int64_t ordered(double x) {
  const auto bits = std::bit_cast<std::int64_t>(x);
  return bits < 0 ? std::numeric_limits<std::int64_t>::min() - bits : bits;
}

std::int64_t ulp_distance(double a, double b) { return std::llabs(ordered(a) - ordered(b)); }

// Arguments: a sweep over every binade (evenly in the bit patterns, subnormals included),
// dense sweeps of [0.5, 2] and around the reduction threshold sqrt(2), and values near 1.
std::vector<double> sweep_arguments() {
  std::vector<double> xs;
  constexpr std::uint64_t kWholeRange = 1000000;
  const std::uint64_t top = std::bit_cast<std::uint64_t>(std::numeric_limits<double>::max());
  for (std::uint64_t i = 1; i <= kWholeRange; ++i) {
    xs.push_back(std::bit_cast<double>(top / kWholeRange * i));
  }
  constexpr int kDense = 500000;
  for (int i = 0; i <= kDense; ++i) xs.push_back(0.5 + 1.5 * i / kDense);
  const std::uint64_t sqrt2 = std::bit_cast<std::uint64_t>(0x1.6a09e667f3bcdp+0);
  const std::uint64_t one = std::bit_cast<std::uint64_t>(1.0);
  for (std::uint64_t d = 0; d < 100000; ++d) {
    xs.push_back(std::bit_cast<double>(sqrt2 + d));
    xs.push_back(std::bit_cast<double>(sqrt2 - d));
    xs.push_back(std::bit_cast<double>(one + d));
    xs.push_back(std::bit_cast<double>(one - d));
  }
  xs.push_back(std::numeric_limits<double>::denorm_min());
  xs.push_back(std::numeric_limits<double>::min());
  xs.push_back(std::numeric_limits<double>::max());
  return xs;
}

TEST(PortableLog, SpecialValues) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(portable_log(0.0), -inf);
  EXPECT_EQ(portable_log(-0.0), -inf);
  EXPECT_EQ(portable_log(inf), inf);
  EXPECT_TRUE(std::isnan(portable_log(-1.0)));
  EXPECT_TRUE(std::isnan(portable_log(-inf)));
  EXPECT_TRUE(std::isnan(portable_log(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_EQ(std::bit_cast<std::uint64_t>(portable_log(1.0)), 0u);  // +0
}

TEST(PortableLog, GoldenValues) {
  // Pinned bits (portable_log feeds the normal distribution, so these must never change).
  EXPECT_EQ(portable_log(0.5), -0x1.62e42fefa39efp-1);
  EXPECT_EQ(portable_log(2.0), 0x1.62e42fefa39efp-1);
  EXPECT_EQ(portable_log(10.0), 0x1.26bb1bbb55516p+1);
  EXPECT_EQ(portable_log(0x1p-1074), -0x1.74385446d71c3p+9);
  EXPECT_EQ(portable_log(std::numeric_limits<double>::max()), 0x1.62e42fefa39efp+9);
}

TEST(PortableLog, WithinTwoUlpOfStdLogOverASweep) {
  std::int64_t worst = 0;
  double worst_x = 0.0;
  for (const double x : sweep_arguments()) {
    const std::int64_t d = ulp_distance(portable_log(x), std::log(x));
    if (d > worst) {
      worst = d;
      worst_x = x;
    }
  }
  RecordProperty("max_ulp_distance_to_std_log", static_cast<int>(worst));
  EXPECT_LE(worst, 2) << "at x = " << std::hexfloat << worst_x;
}

TEST(PortableLog, BelowOneUlpAgainstLongDoubleLog) {
  if (LDBL_MANT_DIG < 64) GTEST_SKIP() << "long double is too narrow to measure sub-ulp error";
  double worst = 0.0;
  double worst_x = 0.0;
  for (const double x : sweep_arguments()) {
    const long double reference = std::log(static_cast<long double>(x));
    const double result = portable_log(x);
    if (reference == 0.0L) {
      ASSERT_EQ(result, 0.0);
      continue;
    }
    int exponent = 0;
    std::frexp(static_cast<double>(reference), &exponent);
    const long double ulp = std::ldexp(1.0L, exponent - 53);
    const double error = static_cast<double>(std::fabs(result - reference) / ulp);
    if (error > worst) {
      worst = error;
      worst_x = x;
    }
  }
  RecordProperty("max_ulp_error_vs_logl", std::to_string(worst));
  std::printf("portable_log: max error %.4f ulp at x = %a\n", worst, worst_x);
  EXPECT_LT(worst, 1.0) << "at x = " << std::hexfloat << worst_x;
}

}  // namespace
