// Elements the semantics leave open (docs/tolerances.md): the markers kAnyValue and
// kAnyNonFinite go exactly where the model says, and compare_output honours them and the
// overflow of the storage dtype; nothing else is loosened.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "bnconf/cases/operations.hpp"
#include "bnconf/conformance/judge.hpp"
#include "bnconf/conformance/tolerance.hpp"
#include "bnconf/formats/fixture_set.hpp"

namespace bnconf::conformance {
namespace {

using cases::Array;
using cases::Case;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const formats::FixtureSet& fixtures() {
  static const formats::FixtureSet set = formats::load_fixture_set({BNCONF_FIXTURES_DIR});
  return set;
}

bool holds_infinity(const Case& c, const char* name) {
  const auto it = c.inputs.find(name);
  if (it == c.inputs.end()) return false;
  for (const double v : it->second.values) {
    if (std::isinf(v)) return true;
  }
  return false;
}

bool empty_batch(const Case& c) {
  std::size_t m = c.spec.shape.at(0);
  for (std::size_t axis = 2; axis < c.spec.shape.size(); ++axis) m *= c.spec.shape[axis];
  return m == 0;
}

bool batch_statistic(const Case& c, const std::string& name) {
  for (const auto& use : cases::row_of(c.spec.operation).outputs) {
    if (use.name == name) return use.group == cases::OutputGroup::batch_statistics;
  }
  return false;
}

TEST(OpenElements, MarkersOnlyOnEmptyBatchStatisticsAndOnNonFiniteResultsOfInfiniteInputs) {
  std::size_t any_value = 0, any_non_finite = 0;
  for (const Case& c : fixtures().cases) {
    if (c.spec.operation == cases::Operation::error) continue;
    for (const auto& [name, bounds] : error_model_bounds(c)) {
      const auto& expected = c.expected.at(name).values;
      for (std::size_t i = 0; i < bounds.size(); ++i) {
        if (bounds[i] == kAnyValue) {
          ++any_value;
          EXPECT_TRUE(empty_batch(c) && batch_statistic(c, name)) << c.spec.id << " " << name;
        } else if (std::isnan(bounds[i])) {
          ++any_non_finite;
          EXPECT_FALSE(std::isfinite(expected[i])) << c.spec.id << " " << name << "[" << i << "]";
          EXPECT_TRUE(holds_infinity(c, "x") || holds_infinity(c, "dy") ||
                      holds_infinity(c, "weight") || holds_infinity(c, "bias"))
              << c.spec.id;
        }
      }
    }
  }
  // The committed set exercises both (groups empty, special_values, special_gradients).
  EXPECT_GT(any_value, 0u);
  EXPECT_GT(any_non_finite, 0u);
}

TEST(OpenElements, EmptyBatchStatisticsAcceptAnythingButTheRunningStatisticsStayExact) {
  const Case* found = nullptr;
  for (const Case& c : fixtures().cases) {
    if (c.spec.operation == cases::Operation::forward_train && empty_batch(c) &&
        c.spec.spec.track_running_stats) {
      found = &c;
      break;
    }
  }
  ASSERT_NE(found, nullptr);
  const CaseBounds bounds = error_model_bounds(*found);
  Array garbage = found->expected.at("batch_mean");
  for (double& v : garbage.values) v = 12345.0;  // uninitialised memory
  EXPECT_TRUE(compare_output("batch_mean", found->expected.at("batch_mean"), garbage,
                             bounds.at("batch_mean"))
                  .passed);
  Array moved = found->expected.at("running_mean");
  moved.values[0] += 0.5;  // an empty batch must leave the running mean as it was
  EXPECT_FALSE(compare_output("running_mean", found->expected.at("running_mean"), moved,
                              bounds.at("running_mean"))
                   .passed);
}

TEST(OpenElements, AnInfinityInAReductionAcceptsNaNForItsMeanButNotAFiniteValue) {
  const Case* c = nullptr;
  for (const Case& k : fixtures().cases) {
    if (k.spec.operation == cases::Operation::forward_train && holds_infinity(k, "x")) c = &k;
  }
  ASSERT_NE(c, nullptr);
  const CaseBounds bounds = error_model_bounds(*c);
  const Array& mean = c->expected.at("batch_mean");
  std::size_t channel = mean.values.size();
  for (std::size_t i = 0; i < mean.values.size(); ++i) {
    if (std::isinf(mean.values[i])) channel = i;
  }
  ASSERT_LT(channel, mean.values.size()) << c->spec.id;
  Array welford = mean;  // Welford's running mean: inf, then inf - inf = NaN
  welford.values[channel] = kNaN;
  EXPECT_TRUE(compare_output("batch_mean", mean, welford, bounds.at("batch_mean")).passed);
  Array finite = mean;
  finite.values[channel] = 1.0;
  const OutputCheck check = compare_output("batch_mean", mean, finite, bounds.at("batch_mean"));
  EXPECT_FALSE(check.passed);
  EXPECT_NE(check.reason.find("a finite value where a non-finite value is expected"),
            std::string::npos)
      << check.reason;
}

TEST(OpenElements, ElementwiseEvalKeepsItsInfinityStrict) {
  for (const Case& c : fixtures().cases) {
    if (c.spec.operation != cases::Operation::forward_eval || !c.spec.spec.track_running_stats ||
        !holds_infinity(c, "x")) {
      continue;
    }
    const auto bounds = error_model_bounds(c);  // held: a range-for over a temporary's member
    for (const double b : bounds.at("y")) EXPECT_FALSE(std::isnan(b)) << c.spec.id;
  }
}

TEST(CompareOutput, AnOverflowWithinTheBoundPassesAsTheInfinityOfItsSignOnly) {
  const Array expected{{3}, {72977.0, -70000.0, 60000.0}};
  const std::vector<double> bounds{271.0, 271.0, 271.0};
  const double f16_overflow = 65520.0;
  EXPECT_TRUE(
      compare_output("y", expected, Array{{3}, {kInf, -kInf, 60000.0}}, bounds, f16_overflow)
          .passed);
  EXPECT_FALSE(
      compare_output("y", expected, Array{{3}, {-kInf, -kInf, 60000.0}}, bounds, f16_overflow)
          .passed);
  // Saturating to the largest finite value is not round-to-nearest.
  EXPECT_FALSE(
      compare_output("y", expected, Array{{3}, {65504.0, -kInf, 60000.0}}, bounds, f16_overflow)
          .passed);
  // 60000 + 271 cannot reach the threshold: an infinity there is wrong.
  EXPECT_FALSE(
      compare_output("y", expected, Array{{3}, {kInf, -kInf, kInf}}, bounds, f16_overflow).passed);
  // Without a threshold (f64 outputs) no overflow is accepted.
  EXPECT_FALSE(compare_output("y", expected, Array{{3}, {kInf, -kInf, 60000.0}}, bounds).passed);
}

}  // namespace
}  // namespace bnconf::conformance
