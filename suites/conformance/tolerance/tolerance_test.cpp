// The tolerance model on the committed fixtures:
//   (a) every bound is finite and >= 0, 0 exactly where the expected value is NaN or infinite
//       (apart from the markers of elements the semantics leave open: open_elements_test.cpp);
//   (b) the reference rounded to the dtype (a perfect backend of that dtype) passes every case;
//   (c) correct float re-implementations (pairwise two-pass; PyTorch-like double statistics with
//       a fused affine step) pass every case;
//   (d) each buggy computation of the real bug list fails at least one committed case;
// and the bounds are tight (f32 y bounds ~1e-6..1e-5 of the output's scale).
#include "bnconf/conformance/tolerance.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>

#include "bnconf/formats/fixture_set.hpp"
#include "simulated_backends.hpp"

namespace bnconf::tolerance_testing {
namespace {

using cases::Case;
using cases::Operation;

const formats::FixtureSet& fixtures() {
  static const formats::FixtureSet set = formats::load_fixture_set({BNCONF_FIXTURES_DIR});
  return set;
}

std::vector<const Case*> judged_cases() {
  std::vector<const Case*> cases;
  for (const auto& c : fixtures().cases) {
    if (c.spec.operation != Operation::error) cases.push_back(&c);
  }
  return cases;
}

struct Summary {
  std::size_t cases = 0;
  std::vector<std::string> failed;  // "case: output ratio"
  double worst_ratio = 0;
  std::string worst;
};

Summary run_all(SimulatedBackend& backend) {
  Summary s;
  for (const Case* c : judged_cases()) {
    ++s.cases;
    const Outputs out = outputs_of(backend, *c);
    bool failed = false;
    std::string detail;
    for (const auto& k : check_case(*c, out)) {
      if (k.worst_ratio > s.worst_ratio) {
        s.worst_ratio = k.worst_ratio;
        s.worst = c->spec.id + ":" + k.output;
      }
      if (k.failures > 0) {
        failed = true;
        char line[256];
        std::snprintf(line, sizeof line, " %s%s x%.3g (e=%.9g a=%.9g b=%.3g)", k.output.c_str(),
                      k.worst_index.c_str(), k.worst_ratio, k.expected, k.actual, k.bound);
        detail += line;
      }
    }
    if (failed) s.failed.push_back(c->spec.id + ":" + detail);
  }
  return s;
}

std::string join(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += "  " + l + "\n";
  return text;
}

TEST(ToleranceFixtures, CommittedSetLoadsCompletely) {
  EXPECT_TRUE(fixtures().errors.empty());
  EXPECT_GT(judged_cases().size(), 200u);
}

// (a)
TEST(ToleranceBounds, FiniteNonNegativeAndZeroOnlyForSpecialExpectedValues) {
  std::size_t outputs = 0, elements = 0;
  for (const Case* c : judged_cases()) {
    for (const auto& [name, expected] : c->expected) {
      const auto bounds = conformance::tolerance_bounds(*c, name);
      ASSERT_EQ(bounds.size(), expected.values.size()) << c->spec.id << " " << name;
      ++outputs;
      for (std::size_t i = 0; i < bounds.size(); ++i) {
        ++elements;
        const double e = expected.values[i];
        // The markers of open elements (open_elements_test.cpp checks where they go).
        if (bounds[i] == conformance::kAnyValue || std::isnan(bounds[i])) continue;
        ASSERT_TRUE(std::isfinite(bounds[i])) << c->spec.id << " " << name << "[" << i << "]";
        if (!std::isfinite(e)) {
          EXPECT_EQ(bounds[i], 0.0) << c->spec.id << " " << name << "[" << i << "]";
        } else if (name == "num_batches_tracked") {
          EXPECT_EQ(bounds[i], 0.0) << c->spec.id;  // an integer counter is exact
        } else {
          EXPECT_GT(bounds[i], 0.0) << c->spec.id << " " << name << "[" << i << "]";
        }
      }
    }
  }
  std::printf("checked %zu outputs, %zu elements\n", outputs, elements);
}

TEST(ToleranceBounds, UnknownOutputIsAnError) {
  const Case* c = judged_cases().front();
  EXPECT_THROW(conformance::tolerance_bounds(*c, "no_such_output"), std::invalid_argument);
}

TEST(ToleranceBounds, NonFiniteInputsOnlyZeroTheirOwnChannel) {
  // ieee.special_values.x_nan: element 6 of x (3x4x5, channel 1) is NaN. The other channels keep
  // ordinary bounds; channel 1 is NaN everywhere.
  for (const Case* c : judged_cases()) {
    if (c->spec.id != "ieee.special_values.x_nan.forward_train.channels_first") continue;
    const auto b = conformance::tolerance_bounds(*c, "y");
    const auto& y = c->expected.at("y").values;
    for (std::size_t i = 0; i < y.size(); ++i) {
      const std::size_t channel = (i / 5) % 4;
      if (channel == 1) {
        EXPECT_TRUE(std::isnan(y[i]));
        EXPECT_EQ(b[i], 0.0);
      } else {
        EXPECT_GT(b[i], 1e-8);
        EXPECT_LT(b[i], 1e-4);
      }
    }
    return;
  }
  FAIL() << "case not found";
}

// Tightness: the bounds on y for the ordinary f32 cases are a few 1e-6 of the output's scale.
TEST(ToleranceBounds, F32OutputBoundsAreTight) {
  std::vector<double> relative;
  for (const Case* c : judged_cases()) {
    if (c->spec.tier != "core" || c->spec.dtype != ieee::Dtype::f32) continue;
    if (c->spec.operation != Operation::forward_train) continue;
    if (c->spec.id.find("constant") != std::string::npos) continue;  // conditioning infinite
    const auto& y = c->expected.at("y").values;
    const auto b = conformance::tolerance_bounds(*c, "y");
    double scale = 0;
    for (double v : y) scale = std::isfinite(v) ? std::max(scale, std::fabs(v)) : scale;
    double worst = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
      if (std::isfinite(y[i])) worst = std::max(worst, b[i] / scale);
    }
    relative.push_back(worst);
  }
  ASSERT_FALSE(relative.empty());
  std::sort(relative.begin(), relative.end());
  const double median = relative[relative.size() / 2];
  std::printf("f32 forward_train y: max bound / max|y| median %.3g, max %.3g over %zu cases\n",
              median, relative.back(), relative.size());
  EXPECT_LT(median, 1e-5);
  EXPECT_GT(median, 1e-7);
}

// (b)
TEST(CorrectBackends, ReferenceRoundedToTheDtypePassesEveryCase) {
  for (auto rounding : {ChannelRounding::none, ChannelRounding::accumulation}) {
    const auto backend = rounded_reference(rounding);
    const Summary s = run_all(*backend);
    std::printf("%s: %zu cases, worst error/bound %.3g at %s\n", backend->name().c_str(), s.cases,
                s.worst_ratio, s.worst.c_str());
    EXPECT_TRUE(s.failed.empty()) << backend->name() << " failed:\n" << join(s.failed);
  }
}

// (c)
TEST(CorrectBackends, FloatPairwiseTwoPassPassesEveryCase) {
  const auto backend = float_backend("float pairwise two-pass", {});
  const Summary s = run_all(*backend);
  std::printf("%s: %zu cases, worst error/bound %.3g at %s\n", backend->name().c_str(), s.cases,
              s.worst_ratio, s.worst.c_str());
  EXPECT_TRUE(s.failed.empty()) << join(s.failed);
}

TEST(CorrectBackends, TorchLikeDoubleStatisticsPassesEveryCase) {
  FloatOptions o;
  o.torch_like = true;
  const auto backend = float_backend("PyTorch-like (double statistics, fused affine)", o);
  const Summary s = run_all(*backend);
  std::printf("%s: %zu cases, worst error/bound %.3g at %s\n", backend->name().c_str(), s.cases,
              s.worst_ratio, s.worst.c_str());
  EXPECT_TRUE(s.failed.empty()) << join(s.failed);
}

// (d) Each defect must be caught by at least one committed case; `expected_case` is the id (or
// id prefix) of a case designed for it.
struct Defect {
  const char* name;
  FloatOptions options;
  const char* expected_case;
};

FloatOptions with(void (*set)(FloatOptions&)) {
  FloatOptions o;
  set(o);
  return o;
}

const std::vector<Defect>& defects() {
  static const std::vector<Defect> list{
      {"one_pass_variance", with([](FloatOptions& o) { o.one_pass_variance = true; }),
       "core.offset.r1e4_f32.forward_train"},
      {"eps_outside_sqrt", with([](FloatOptions& o) { o.eps_outside_sqrt = true; }),
       "core.eps.var_below_eps.forward_train"},
      {"unbiased_normalisation", with([](FloatOptions& o) { o.unbiased_normalisation = true; }),
       "core.sizes.2x3.channels_first.forward_train"},
      {"biased_running_var", with([](FloatOptions& o) { o.biased_running_var = true; }),
       "core.momentum.preset_momentum.pytorch"},
      {"swapped_momentum", with([](FloatOptions& o) { o.swapped_momentum = true; }),
       "core.presets.pytorch.forward_train"},
      {"drop_mean_dy", with([](FloatOptions& o) { o.drop_mean_dy = true; }),
       "core.grad_output.offset.backward_train"},
      {"drop_xhat_term", with([](FloatOptions& o) { o.drop_xhat_term = true; }),
       "core.dtypes.f32.backward_train"},
      {"low_precision_accumulation",
       with([](FloatOptions& o) { o.summation = Summation::low_precision; }),
       "core.dtypes.f16.forward_train"},
      {"eval_backward_batch_stats",
       with([](FloatOptions& o) { o.eval_backward_batch_stats = true; }),
       "core.dtypes.f32.backward_eval"},
      {"clamp_eps", with([](FloatOptions& o) { o.clamp_eps = true; }),
       "core.eps.eps_tiny.forward_train"},
      {"nan_not_propagated", with([](FloatOptions& o) { o.nan_not_propagated = true; }),
       "ieee.special_values.x_nan.forward_train.channels_first"},
  };
  return list;
}

class BuggyBackends : public ::testing::TestWithParam<std::size_t> {};

TEST_P(BuggyBackends, FailAtLeastOneCommittedCase) {
  const Defect& d = defects()[GetParam()];
  const auto backend = float_backend(d.name, d.options);
  const Summary s = run_all(*backend);
  std::printf("%s fails %zu of %zu cases:\n%s", d.name, s.failed.size(), s.cases,
              join(s.failed).c_str());
  EXPECT_FALSE(s.failed.empty());
  bool designed_case_fails = false;
  for (const auto& line : s.failed) {
    designed_case_fails |= line.rfind(d.expected_case, 0) == 0;
  }
  EXPECT_TRUE(designed_case_fails) << d.expected_case << " should fail";
}

INSTANTIATE_TEST_SUITE_P(Defects, BuggyBackends, ::testing::Range<std::size_t>(0, 11),
                         [](const ::testing::TestParamInfo<std::size_t>& info) {
                           return std::string(defects()[info.param].name);
                         });

}  // namespace
}  // namespace bnconf::tolerance_testing
