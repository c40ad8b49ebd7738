// (e) The fixed pass rules of other suites on hand-computed values at and around their limits.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "bnconf/conformance/tolerance.hpp"

namespace bnconf::conformance {
namespace {

using ieee::Dtype;

bool pass(FixedRule r, Dtype d, double e, double a) { return passes_fixed_rule(r, d, e, a); }

TEST(FixedRules, ListAndNames) {
  ASSERT_EQ(all_fixed_rules().size(), 4u);
  EXPECT_EQ(to_string(FixedRule::onnx_allclose), "onnx_allclose");
  EXPECT_EQ(to_string(FixedRule::torch_assert_close), "torch_assert_close");
  EXPECT_EQ(to_string(FixedRule::webnn_6_ulp), "webnn_6_ulp");
  EXPECT_EQ(to_string(FixedRule::benchdnn), "benchdnn");
}

// |a - e| <= 1e-7 + 1e-3 |e|, whatever the dtype.
TEST(FixedRules, OnnxAllclose) {
  const auto r = FixedRule::onnx_allclose;
  EXPECT_TRUE(pass(r, Dtype::f32, 1.0, 1.0009));
  EXPECT_FALSE(pass(r, Dtype::f32, 1.0, 1.0011));
  EXPECT_TRUE(pass(r, Dtype::f64, -100.0, -100.09));
  EXPECT_FALSE(pass(r, Dtype::f64, -100.0, -100.11));
  EXPECT_TRUE(pass(r, Dtype::f32, 0.0, 0.9e-7));
  EXPECT_FALSE(pass(r, Dtype::f32, 0.0, 1.1e-7));
}

// torch.testing defaults: f64 1e-7/1e-7, f32 1.3e-6/1e-5, f16 1e-3/1e-5, bf16 1.6e-2/1e-5.
TEST(FixedRules, TorchAssertCloseDefaultsPerDtype) {
  const auto r = FixedRule::torch_assert_close;
  EXPECT_TRUE(pass(r, Dtype::f64, 1.0, 1.0 + 1.9e-7));
  EXPECT_FALSE(pass(r, Dtype::f64, 1.0, 1.0 + 2.1e-7));
  EXPECT_TRUE(pass(r, Dtype::f32, 1.0, 1.0 + 1.12e-5));  // atol + rtol = 1.13e-5
  EXPECT_FALSE(pass(r, Dtype::f32, 1.0, 1.0 + 1.14e-5));
  EXPECT_TRUE(pass(r, Dtype::f32, 0.0, 0.99e-5));
  EXPECT_FALSE(pass(r, Dtype::f32, 0.0, 1.01e-5));
  EXPECT_TRUE(pass(r, Dtype::f16, 10.0, 10.0 + 1.0e-2));  // 1e-5 + 1e-2
  EXPECT_FALSE(pass(r, Dtype::f16, 10.0, 10.0 + 1.02e-2));
  EXPECT_TRUE(pass(r, Dtype::bf16, 1.0, 1.0 + 1.6e-2));
  EXPECT_FALSE(pass(r, Dtype::bf16, 1.0, 1.0 + 1.62e-2));
}

// 6 ulp of the expected value rounded to the dtype.
TEST(FixedRules, WebnnSixUlp) {
  const auto r = FixedRule::webnn_6_ulp;
  // f32: ulp(1) = 2^-23.
  EXPECT_TRUE(pass(r, Dtype::f32, 1.0, 1.0 + 6 * 0x1p-23));
  EXPECT_FALSE(pass(r, Dtype::f32, 1.0, 1.0 + 7 * 0x1p-23));
  // Just below 1 the spacing halves: ulp(0.75) = 2^-24.
  EXPECT_TRUE(pass(r, Dtype::f32, 0.75, 0.75 - 6 * 0x1p-24));
  EXPECT_FALSE(pass(r, Dtype::f32, 0.75, 0.75 - 7 * 0x1p-24));
  // f16: ulp(1) = 2^-10; bf16: ulp(1) = 2^-7.
  EXPECT_TRUE(pass(r, Dtype::f16, 1.0, 1.0 + 6 * 0x1p-10));
  EXPECT_FALSE(pass(r, Dtype::f16, 1.0, 1.0 + 6.5 * 0x1p-10));
  EXPECT_TRUE(pass(r, Dtype::bf16, -1.0, -1.0 - 6 * 0x1p-7));
  EXPECT_FALSE(pass(r, Dtype::bf16, -1.0, -1.0 - 6.5 * 0x1p-7));
  // The expected value is rounded first: 1 + 2^-30 rounds to 1 in f32.
  EXPECT_TRUE(pass(r, Dtype::f32, 1.0 + 0x1p-30, 1.0 + 6 * 0x1p-23));
  // At 0 the ulp is the smallest subnormal (f32 2^-149).
  EXPECT_TRUE(pass(r, Dtype::f32, 0.0, 6 * 0x1p-149));
  EXPECT_FALSE(pass(r, Dtype::f32, 0.0, 7 * 0x1p-149));
  // f64: ulp(1) = 2^-52.
  EXPECT_TRUE(pass(r, Dtype::f64, 1.0, 1.0 + 6 * 0x1p-52));
  EXPECT_FALSE(pass(r, Dtype::f64, 1.0, 1.0 + 7 * 0x1p-52));
}

// Relative error <= 6e-7 * 2^(24 - digits), the absolute error where |expected| <= 1e-5.
TEST(FixedRules, Benchdnn) {
  const auto r = FixedRule::benchdnn;
  EXPECT_TRUE(pass(r, Dtype::f32, 1.0, 1.0 + 5.9e-7));
  EXPECT_FALSE(pass(r, Dtype::f32, 1.0, 1.0 + 6.1e-7));
  EXPECT_TRUE(pass(r, Dtype::f32, -2.0, -2.0 - 1.19e-6));
  EXPECT_FALSE(pass(r, Dtype::f32, -2.0, -2.0 - 1.21e-6));
  // Small expected value: absolute error 5e-7 passes although it is 50 % relative.
  EXPECT_TRUE(pass(r, Dtype::f32, 1e-6, 1.5e-6));
  EXPECT_FALSE(pass(r, Dtype::f32, 1e-6, 1.7e-6));
  // f16: 6e-7 * 2^13 = 4.9152e-3; bf16: 6e-7 * 2^16 = 3.93216e-2.
  EXPECT_TRUE(pass(r, Dtype::f16, 1.0, 1.0049));
  EXPECT_FALSE(pass(r, Dtype::f16, 1.0, 1.0050));
  EXPECT_TRUE(pass(r, Dtype::bf16, 1.0, 1.039));
  EXPECT_FALSE(pass(r, Dtype::bf16, 1.0, 1.040));
  // f64: 6e-7 * 2^-29 ~ 1.12e-15.
  EXPECT_TRUE(pass(r, Dtype::f64, 1.0, 1.0 + 1.0e-15));
  EXPECT_FALSE(pass(r, Dtype::f64, 1.0, 1.0 + 1.3e-15));
}

TEST(FixedRules, SpecialValuesMustMatch) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (FixedRule r : all_fixed_rules()) {
    EXPECT_TRUE(pass(r, Dtype::f32, nan, nan)) << to_string(r);
    EXPECT_FALSE(pass(r, Dtype::f32, nan, 0.0)) << to_string(r);
    EXPECT_TRUE(pass(r, Dtype::f32, inf, inf)) << to_string(r);
    EXPECT_FALSE(pass(r, Dtype::f32, inf, -inf)) << to_string(r);
    EXPECT_FALSE(pass(r, Dtype::f32, -inf, 3.4e38)) << to_string(r);
    EXPECT_FALSE(pass(r, Dtype::f32, 1.0, nan)) << to_string(r);
    EXPECT_FALSE(pass(r, Dtype::f32, 1.0, inf)) << to_string(r);
  }
}

// The table of docs/tolerances.md, "Fixed rules compared", gives each rule's constants; they are
// the code's: each figure is compared with the bound fixed_rule_bound computes (to the digits the
// page gives).
std::string row_of(const std::string& rule) {
  std::ifstream in(BNCONF_DOCS_DIR "/tolerances.md");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| `" + rule + "` |", 0) == 0) return line;
  }
  ADD_FAILURE() << "docs/tolerances.md has no row for " << rule;
  return "";
}

// `value` written to the significant digits of `written` (e.g. "4.9e-3" -> 2 digits) equals it.
void expect_figure(double value, const std::string& written, const std::string& what) {
  const std::string mantissa = written.substr(0, written.find('e'));
  const auto digits =
      static_cast<int>(mantissa.size() - (mantissa.find('.') == std::string::npos ? 0 : 1));
  std::ostringstream rounded;
  rounded.precision(digits);
  rounded << value;
  EXPECT_DOUBLE_EQ(std::stod(rounded.str()), std::stod(written))
      << what << ": the page says " << written << ", the code gives " << value;
}

const std::map<std::string, Dtype> kDtypes{
    {"f64", Dtype::f64}, {"f32", Dtype::f32}, {"f16", Dtype::f16}, {"bf16", Dtype::bf16}};

TEST(FixedRules, TheFiguresOfDocsToleranceTableAreTheCodes) {
  std::smatch m;
  const std::string onnx = row_of("onnx_allclose");
  ASSERT_TRUE(std::regex_search(onnx, m, std::regex(R"(≤ ([0-9.e-]+) \+ ([0-9.e-]+)·)")));
  expect_figure(fixed_rule_bound(FixedRule::onnx_allclose, Dtype::f32, 0), m[1], "onnx atol");
  expect_figure(fixed_rule_bound(FixedRule::onnx_allclose, Dtype::f32, 1) -
                    fixed_rule_bound(FixedRule::onnx_allclose, Dtype::f32, 0),
                m[2], "onnx rtol");

  const std::string torch = row_of("torch_assert_close");
  const std::regex per_dtype(R"((f64|f32|f16|bf16) \(([0-9.e-]+), ([0-9.e-]+)\))");
  std::size_t dtypes = 0;
  for (auto it = std::sregex_iterator(torch.begin(), torch.end(), per_dtype);
       it != std::sregex_iterator(); ++it, ++dtypes) {
    const Dtype d = kDtypes.at((*it)[1]);
    const double atol = fixed_rule_bound(FixedRule::torch_assert_close, d, 0);
    expect_figure(fixed_rule_bound(FixedRule::torch_assert_close, d, 1) - atol, (*it)[2],
                  "torch rtol " + std::string((*it)[1]));
    expect_figure(atol, (*it)[3], "torch atol " + std::string((*it)[1]));
  }
  EXPECT_EQ(dtypes, kDtypes.size());

  const std::string webnn = row_of("webnn_6_ulp");
  ASSERT_TRUE(std::regex_search(webnn, m, std::regex(R"(≤ (\d+)·ulp)")));
  // At 1.0 the spacing of f32 is 2^-23.
  EXPECT_EQ(fixed_rule_bound(FixedRule::webnn_6_ulp, Dtype::f32, 1.0),
            std::stod(m[1]) * std::ldexp(1.0, -23));

  const std::string benchdnn = row_of("benchdnn");
  const std::regex relative(R"((f64|f32|f16|bf16) ([0-9.e-]+))");
  dtypes = 0;
  for (auto it = std::sregex_iterator(benchdnn.begin(), benchdnn.end(), relative);
       it != std::sregex_iterator(); ++it, ++dtypes) {
    // Above |e| = the absolute limit the bound is relative: its value at e = 1.
    expect_figure(fixed_rule_bound(FixedRule::benchdnn, kDtypes.at((*it)[1]), 1.0), (*it)[2],
                  "benchdnn " + std::string((*it)[1]));
  }
  EXPECT_EQ(dtypes, kDtypes.size());
  ASSERT_TRUE(std::regex_search(benchdnn, m, std::regex(R"(where `\|e\| ≤ ([0-9.e-]+)`)")));
  const double limit = std::stod(m[1]);
  const double threshold = fixed_rule_bound(FixedRule::benchdnn, Dtype::f32, 1.0);
  EXPECT_EQ(fixed_rule_bound(FixedRule::benchdnn, Dtype::f32, limit), threshold);  // absolute
  EXPECT_EQ(fixed_rule_bound(FixedRule::benchdnn, Dtype::f32, 2 * limit), threshold * 2 * limit);
}

}  // namespace
}  // namespace bnconf::conformance
