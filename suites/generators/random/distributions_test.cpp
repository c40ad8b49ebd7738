// Distributions: golden values that pin the bit stream, moment sanity checks, edge cases.
#include "bnconf/random/distributions.hpp"

#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "bnconf/ieee/portable_log.hpp"
#include "bnconf/random/stream.hpp"

namespace {

using namespace bnconf::random;

// GOLDEN VALUES. These pin the random bit stream and every distribution's algorithm forever:
// committed HDF5 fixtures were generated from them, so changing any value here (or making a
// change to the library that needs one changed) breaks every committed fixture. They were
// produced by this library and reproduced bit for bit by an independent re-implementation
// (Python floats, from docs/random.md alone). Seed = pi's fraction bits 0x243f6a88_85a308d3, stream
// id = make_stream_id(7, 3), elements 0..5.
constexpr std::uint64_t kSeed = 0x243f6a8885a308d3u;
constexpr std::uint64_t kStreamId = make_stream_id(7, 3);
constexpr int kGoldenCount = 6;

Stream golden_stream() { return Stream(kSeed, kStreamId); }

TEST(Golden, Uniform01) {
  constexpr std::array<double, kGoldenCount> kExpected = {
      0x1.0d15d636ecb48p-1, 0x1.68653bc05f8d0p-2, 0x1.d00669a5244bcp-1,
      0x1.bc96f9e562ae8p-4, 0x1.fe064969073bep-1, 0x1.aee63178bb856p-2};
  for (int k = 0; k < kGoldenCount; ++k) {
    EXPECT_EQ(uniform01(golden_stream().element(k)), kExpected[k]) << "element " << k;
  }
}

TEST(Golden, UniformOnMinus2Point5To3) {
  constexpr std::array<double, kGoldenCount> kExpected = {
      0x1.8ff0345c2bc18p-2,  -0x1.20e99baef93c4p-1, 0x1.3e08d14311e82p+1,
      -0x1.e72c1a1926140p+0, 0x1.7d48a4f069f26p+1,  -0x1.7c1bdfcff1450p-3};
  for (int k = 0; k < kGoldenCount; ++k) {
    EXPECT_EQ(uniform(golden_stream().element(k), -2.5, 3.0), kExpected[k]) << "element " << k;
  }
}

TEST(Golden, StandardNormal) {
  // Elements 2, 3 and 4 are rejected once (they use two blocks).
  constexpr std::array<double, kGoldenCount> kExpected = {
      0x1.15d7d09616561p-5,  -0x1.c43537f7ce32fp-1, 0x1.a268a1b8c57a7p-3,
      -0x1.0e39a1e2f1db4p-1, 0x1.6082aa821471ep-2,  -0x1.157d587df85b6p-1};
  for (int k = 0; k < kGoldenCount; ++k) {
    EXPECT_EQ(standard_normal(golden_stream().element(k)), kExpected[k]) << "element " << k;
  }
}

TEST(Golden, NormalWithMean1AndStddev3) {
  constexpr std::array<double, kGoldenCount> kExpected = {
      0x1.1a0c3b8e12181p+0,  -0x1.a64fd3f3b54c6p+0, 0x1.9ce73ca54a0dep+0,
      -0x1.2aace5a8d591cp-1, 0x1.0430fff0c7aabp+1,  -0x1.40780979e9122p-1};
  for (int k = 0; k < kGoldenCount; ++k) {
    EXPECT_EQ(normal(golden_stream().element(k), 1.0, 3.0), kExpected[k]) << "element " << k;
  }
}

TEST(Golden, UniformIntBernoulliAndSign) {
  constexpr std::array<std::uint64_t, kGoldenCount> kInts = {320, 366, 75, 804, 557, 230};
  constexpr std::array<bool, kGoldenCount> kBernoulli = {false, false, false, true, false, false};
  constexpr std::array<double, kGoldenCount> kSigns = {-1.0, 1.0, -1.0, 1.0, -1.0, 1.0};
  for (int k = 0; k < kGoldenCount; ++k) {
    EXPECT_EQ(uniform_int(golden_stream().element(k), 1000), kInts[k]) << "element " << k;
    EXPECT_EQ(bernoulli(golden_stream().element(k), 0.3), kBernoulli[k]) << "element " << k;
    EXPECT_EQ(random_sign(golden_stream().element(k)), kSigns[k]) << "element " << k;
  }
}

// Digests of the first 10000 elements pin the whole stream, rejection paths included: an
// FNV-1a style fold (h ^= v; h *= 0x100000001b3, modulo 2^64) of each result's 64 bits.
struct Digest {
  std::uint64_t h = 0xcbf29ce484222325u;
  void add(std::uint64_t v) {
    h ^= v;
    h *= 0x100000001b3u;
  }
};

TEST(Golden, DigestsOfTheFirst10000Elements) {
  const Stream stream = golden_stream();
  Digest uniforms, normals, integers, logs;
  for (std::uint64_t k = 0; k < 10000; ++k) {
    uniforms.add(std::bit_cast<std::uint64_t>(uniform01(stream.element(k))));
    normals.add(std::bit_cast<std::uint64_t>(standard_normal(stream.element(k))));
    integers.add(uniform_int(stream.element(k), 1000003));
    logs.add(std::bit_cast<std::uint64_t>(
        bnconf::ieee::portable_log(uniform01(stream.element(k)) + 0x1p-60)));
  }
  EXPECT_EQ(uniforms.h, 0xa08f6e1f1cf053e4u);
  EXPECT_EQ(normals.h, 0xa9529b6198e13a6fu);
  EXPECT_EQ(integers.h, 0x89d0b64e757dc504u);
  EXPECT_EQ(logs.h, 0x33c76bdcbe809097u);
}

// --- Sanity of the distributions (deterministic, so the tolerances are not flaky). ----------

constexpr std::uint64_t kDraws = 100000;

struct Moments {
  double mean = 0.0;
  double variance = 0.0;
  double kurtosis = 0.0;  // E[(x - mean)^4] / variance^2
};

template <typename Sample>
Moments moments(Sample sample) {
  Stream stream(2024, make_stream_id(1, 1));
  std::vector<double> values;
  values.reserve(kDraws);
  for (std::uint64_t k = 0; k < kDraws; ++k) {
    ElementDraws draws = stream.next_element();
    values.push_back(sample(draws));
  }
  Moments m;
  for (const double v : values) m.mean += v;
  m.mean /= kDraws;
  double fourth = 0.0;
  for (const double v : values) {
    const double d = (v - m.mean) * (v - m.mean);
    m.variance += d;
    fourth += d * d;
  }
  m.variance /= kDraws;
  m.kurtosis = fourth / kDraws / (m.variance * m.variance);
  return m;
}

TEST(Uniform01, MeanAndVarianceOf100000Draws) {
  const Moments m = moments([](ElementDraws& d) { return uniform01(d); });
  EXPECT_NEAR(m.mean, 0.5, 0.005);             // standard error 0.0009
  EXPECT_NEAR(m.variance, 1.0 / 12.0, 0.002);  // standard error 0.0003
}

TEST(Uniform01, StaysInUnitIntervalOnMultiplesOf2ToMinus53) {
  Stream stream(99, 0);
  for (int k = 0; k < 10000; ++k) {
    const double u = uniform01(stream.next_element());
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    ASSERT_EQ(std::ldexp(u, 53), std::floor(std::ldexp(u, 53)));
  }
}

TEST(Uniform, StaysInHalfOpenInterval) {
  Stream stream(99, 1);
  for (int k = 0; k < 10000; ++k) {
    const double x = uniform(stream.next_element(), -3.0, 7.5);
    ASSERT_GE(x, -3.0);
    ASSERT_LT(x, 7.5);
  }
}

TEST(Uniform, NeverReturnsTheUpperBoundEvenWhenRoundingWouldGiveIt) {
  // On [1, 1 + 2^-52) every u > 1/2 makes 1 + 2^-52 * u round to b; the result must be 1.
  Stream stream(99, 2);
  const double b = 1.0 + 0x1p-52;
  for (int k = 0; k < 1000; ++k) ASSERT_EQ(uniform(stream.next_element(), 1.0, b), 1.0);
}

TEST(Uniform, RejectsEmptyInfiniteOrOverflowingIntervals) {
  Stream stream(1, 1);
  const double inf = std::numeric_limits<double>::infinity();
  const double max = std::numeric_limits<double>::max();
  EXPECT_THROW(uniform(stream.element(0), 1.0, 1.0), std::invalid_argument);
  EXPECT_THROW(uniform(stream.element(0), 2.0, 1.0), std::invalid_argument);
  EXPECT_THROW(uniform(stream.element(0), 0.0, inf), std::invalid_argument);
  EXPECT_THROW(uniform(stream.element(0), std::nan(""), 1.0), std::invalid_argument);
  EXPECT_THROW(uniform(stream.element(0), -max, max), std::invalid_argument);
}

TEST(StandardNormal, MomentsOf100000Draws) {
  const Moments m = moments([](ElementDraws& d) { return standard_normal(d); });
  EXPECT_NEAR(m.mean, 0.0, 0.01);      // standard error 0.0032
  EXPECT_NEAR(m.variance, 1.0, 0.02);  // standard error 0.0045
  EXPECT_NEAR(m.kurtosis, 3.0, 0.15);  // standard error 0.015
}

TEST(Normal, ScalesAndShifts) {
  const Moments m = moments([](ElementDraws& d) { return normal(d, -4.0, 0.5); });
  EXPECT_NEAR(m.mean, -4.0, 0.005);
  EXPECT_NEAR(m.variance, 0.25, 0.005);
}

TEST(UniformInt, CoversTheRangeEvenly) {
  Stream stream(7, 7);
  std::array<int, 6> counts{};
  for (int k = 0; k < 60000; ++k) {
    const std::uint64_t v = uniform_int(stream.next_element(), 6);
    ASSERT_LT(v, 6u);
    ++counts[v];
  }
  for (const int c : counts) EXPECT_NEAR(c, 10000, 400);  // standard deviation 91
}

TEST(UniformInt, HandlesTheExtremesOfN) {
  Stream stream(7, 8);
  EXPECT_EQ(uniform_int(stream.element(0), 1), 0u);
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  EXPECT_LT(uniform_int(stream.element(1), max), max);
  // n = 2^63 + 1 rejects almost half of all values: still below n.
  const std::uint64_t n = (std::uint64_t{1} << 63) + 1;
  for (int k = 0; k < 100; ++k) ASSERT_LT(uniform_int(stream.next_element(), n), n);
  EXPECT_THROW(uniform_int(stream.element(0), 0), std::invalid_argument);
}

TEST(Bernoulli, FrequencyAndCertainOutcomes) {
  Stream stream(5, 5);
  int hits = 0;
  for (int k = 0; k < 100000; ++k) hits += bernoulli(stream.next_element(), 0.3) ? 1 : 0;
  EXPECT_NEAR(hits / 100000.0, 0.3, 0.006);  // standard error 0.0014
  for (int k = 0; k < 1000; ++k) {
    ASSERT_FALSE(bernoulli(stream.element(k), 0.0));
    ASSERT_TRUE(bernoulli(stream.element(k), 1.0));
  }
  EXPECT_THROW(bernoulli(stream.element(0), -0.1), std::invalid_argument);
  EXPECT_THROW(bernoulli(stream.element(0), 1.5), std::invalid_argument);
  EXPECT_THROW(bernoulli(stream.element(0), std::nan("")), std::invalid_argument);
}

TEST(RandomSign, IsPlusOrMinusOneWithEqualFrequency) {
  Stream stream(3, 3);
  int positive = 0;
  for (int k = 0; k < 100000; ++k) {
    const double s = random_sign(stream.next_element());
    ASSERT_TRUE(s == 1.0 || s == -1.0);
    positive += s > 0 ? 1 : 0;
  }
  EXPECT_NEAR(positive / 100000.0, 0.5, 0.01);
}

}  // namespace
