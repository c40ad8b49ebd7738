// The aggregate check (rounding_bias.hpp): round-to-nearest results pass whatever the data,
// truncated ones fail once there are enough independent samples, and elements that share their
// rounding (a constant channel) count once.
#include "bnconf/conformance/rounding_bias.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "bnconf/ieee/rounding.hpp"
#include "bnconf/random/distributions.hpp"
#include "bnconf/random/stream.hpp"

namespace bnconf::conformance {
namespace {

using cases::Array;
using ieee::Dtype;

// Expected values: normal with random scale, exact in double (not values of the dtype).
Array draws(std::size_t n, std::uint64_t seed) {
  random::Stream stream(seed, 0);
  Array a{{n}, {}};
  for (std::size_t i = 0; i < n; ++i) {
    auto element = stream.element(i);
    a.values.push_back(random::normal(element, 0.0, 3.0));
  }
  return a;
}

Array rounded(const Array& expected, Dtype dtype) {
  Array a = expected;
  for (double& v : a.values) v = ieee::round_to(v, dtype);
  return a;
}

// Toward zero: the nearest value of the dtype, or the one below it in magnitude.
Array truncated(const Array& expected, Dtype dtype) {
  Array a = expected;
  for (double& v : a.values) {
    const double r = ieee::round_to(v, dtype);
    if (std::fabs(r) <= std::fabs(v)) {
      v = r;
      continue;
    }
    const double ulp = std::ldexp(1.0, std::ilogb(r) - ieee::mantissa_digits(dtype) + 1);
    // Stepping down from a power of two lands on the finer spacing below it.
    const double step = std::fabs(r) == std::ldexp(1.0, std::ilogb(r)) ? ulp / 2 : ulp;
    v = r - std::copysign(step, r);
  }
  return a;
}

TEST(RoundingBias, RoundToNearestPassesForEverySizeAndSeed) {
  for (const Dtype dtype : {Dtype::f16, Dtype::bf16}) {
    for (const std::size_t n : {100u, 300u, 1000u, 10000u}) {
      for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const Array e = draws(n, seed);
        const RoundingBias b = rounding_bias(e, rounded(e, dtype), dtype);
        EXPECT_GT(b.elements, n / 2);  // few draws share their place between two values
        EXPECT_TRUE(b.passed) << "n " << n << " seed " << seed << " mean " << b.mean_ulps
                              << " toward zero " << b.mean_toward_zero << " bound "
                              << b.bound_ulps;
      }
    }
  }
}

TEST(RoundingBias, TruncationFailsFromAFewHundredSamples) {
  for (const Dtype dtype : {Dtype::f16, Dtype::bf16}) {
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      const Array e = draws(600, seed);  // about 450 counted: near-midpoint elements are left out
      const RoundingBias b = rounding_bias(e, truncated(e, dtype), dtype);
      EXPECT_FALSE(b.passed) << "seed " << seed;
      EXPECT_LT(b.mean_toward_zero, -0.4);
      EXPECT_NEAR(b.mean_toward_zero, -0.5, 0.1);
    }
  }
}

TEST(RoundingBias, ElementsSharingTheirRoundingCountOnceAndTooFewAreNotChecked) {
  // 1000 copies of one value: one sample, so not checked, however biased.
  Array e{{1000}, std::vector<double>(1000, 1.0 + 0x1p-12)};
  const RoundingBias b = rounding_bias(e, truncated(e, Dtype::f16), Dtype::f16);
  EXPECT_EQ(b.elements, 0u);
  EXPECT_TRUE(b.passed);
  const Array small = draws(kRoundingBiasMinElements - 1, 3);
  EXPECT_EQ(rounding_bias(small, truncated(small, Dtype::bf16), Dtype::bf16).elements, 0u);
}

// Exact results placed unevenly between two values of the dtype (here every x of the dtype scaled
// by 1 - 2^-11, which lands each just below x by about x/2 ulp): correct rounding has a
// nonzero mean error from the exact values, and must still pass.
TEST(RoundingBias, CorrectRoundingOfUnevenlyPlacedResultsPasses) {
  for (const Dtype dtype : {Dtype::f16, Dtype::bf16}) {
    Array e = rounded(draws(2000, 11), dtype);
    for (double& v : e.values) v *= 1.0 - 0x1p-11;
    const RoundingBias b = rounding_bias(e, rounded(e, dtype), dtype);
    EXPECT_GT(b.elements, kRoundingBiasMinElements);
    EXPECT_TRUE(b.passed) << "mean " << b.mean_ulps << " bound " << b.bound_ulps;
  }
}

// Where the error model's bound admits more than the allowance of computation error (tiny data,
// a huge inverse standard deviation), the element cannot tell bias from computation: left out.
TEST(RoundingBias, ElementsWhoseBoundsAdmitLargeComputationErrorsAreLeftOut) {
  const Array e = draws(1000, 7);
  const Array t = truncated(e, Dtype::bf16);
  const std::vector<double> wide(e.values.size(), 1e30);
  EXPECT_EQ(rounding_bias(e, t, Dtype::bf16, wide).elements, 0u);
  std::vector<double> tight;
  for (const double v : e.values) tight.push_back(2.0 * ieee::unit_roundoff(Dtype::bf16) * std::fabs(v));
  const RoundingBias b = rounding_bias(e, t, Dtype::bf16, tight);
  EXPECT_GT(b.elements, kRoundingBiasMinElements);
  EXPECT_FALSE(b.passed);
}

TEST(RoundingBias, WideDtypesAreNotChecked) {
  const Array e = draws(1000, 5);
  EXPECT_EQ(rounding_bias(e, rounded(e, Dtype::f32), Dtype::f32).elements, 0u);
  EXPECT_EQ(rounding_bias(e, e, Dtype::f64).elements, 0u);
}

}  // namespace
}  // namespace bnconf::conformance
