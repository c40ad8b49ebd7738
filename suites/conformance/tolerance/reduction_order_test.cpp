// Which reduction orders the tolerance model admits at which size (docs/tolerances.md §3):
// a plain sequential float sum stays within g(M) up to 2^16 values per channel and leaves it by
// 2^20, where its error on the variance grows faster than sqrt(M) (the partial sums of squares
// only grow, so their roundings do not cancel); pairwise summation stays within at every size.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "bnconf/cases/driver.hpp"
#include "bnconf/cases/reference_engine.hpp"
#include "bnconf/ieee/rounding.hpp"
#include "bnconf/random/distributions.hpp"
#include "bnconf/random/stream.hpp"
#include "simulated_backends.hpp"

namespace bnconf::tolerance_testing {
namespace {

// A training step on M values in each of 2 channels of f32 data, N(0, 1) (no offset: the
// well-conditioned case, where only the summation order can hurt), untracked.
cases::Case long_channels(std::size_t m) {
  cases::Case c;
  c.spec.id = "long_channels." + std::to_string(m);
  c.spec.tier = "stress";
  c.spec.operation = cases::Operation::forward_train;
  c.spec.spec.track_running_stats = false;
  c.spec.shape = {m, 2};
  c.spec.dtype = ieee::Dtype::f32;
  random::Stream stream(20261129, m);
  Array x{{m, 2}, {}};
  for (std::size_t i = 0; i < 2 * m; ++i) {
    auto element = stream.element(i);
    x.values.push_back(ieee::to_f32(random::normal(element, 0.0, 1.0)));
  }
  c.inputs["x"] = x;
  c.inputs["weight"] = Array::vector({1.5, -0.75});
  c.inputs["bias"] = Array::vector({0.25, 0.5});
  cases::ReferenceEngine reference;
  c.expected = cases::run_case(c, reference).outputs;
  return c;
}

// The largest error / bound over the case's batch_var (the output the sum of squares feeds).
double variance_ratio(const std::string& name, Summation summation, const cases::Case& c) {
  FloatOptions o;
  o.summation = summation;
  const auto backend = float_backend(name, o);
  for (const auto& check : check_case(c, outputs_of(*backend, c))) {
    if (check.output == "batch_var") return check.worst_ratio;
  }
  ADD_FAILURE() << "no batch_var";
  return 0;
}

TEST(ReductionOrders, SequentialFloatStaysWithinTheModelUpTo2p16ValuesPerChannel) {
  for (const std::size_t m : {std::size_t{1} << 10, std::size_t{1} << 13, std::size_t{1} << 16}) {
    const cases::Case c = long_channels(m);
    const double ratio = variance_ratio("sequential", Summation::sequential, c);
    std::printf("M = %zu: sequential float batch_var error / bound %.3f\n", m, ratio);
    EXPECT_LE(ratio, 1.0) << "M = " << m;
  }
}

TEST(ReductionOrders, SequentialFloatExceedsTheModelAt2p20WherePairwiseStaysWithin) {
  const cases::Case c = long_channels(std::size_t{1} << 20);
  const double sequential = variance_ratio("sequential", Summation::sequential, c);
  const double pairwise = variance_ratio("pairwise", Summation::pairwise, c);
  std::printf("M = 2^20: batch_var error / bound: sequential %.3f, pairwise %.3f\n", sequential,
              pairwise);
  EXPECT_GT(sequential, 1.0);
  EXPECT_LE(pairwise, 0.1);
}

}  // namespace
}  // namespace bnconf::tolerance_testing
