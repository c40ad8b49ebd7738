// What compare_output records besides its verdict: every checked element counted in the bins of
// error / bound (ratio_bins.hpp) and the worst elements, worst first. The arrays are built so
// that each element's error and bound are exact in binary, and the expected counts and order are
// worked out by hand below, from the bins' definition (exactly 0, then (previous, upper]).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "bnconf/conformance/judge.hpp"
#include "bnconf/conformance/ratio_bins.hpp"
#include "bnconf/conformance/tolerance.hpp"

namespace bnconf::conformance {
namespace {

using cases::Array;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(RatioBins, EachUpperEndBelongsToItsBinAndLabelsNameTheInterval) {
  EXPECT_EQ(ratio_bin(0.0), 0u);
  EXPECT_EQ(ratio_bin(1e-300), 1u);
  EXPECT_EQ(ratio_bin(1e-6), 1u);
  EXPECT_EQ(ratio_bin(std::nextafter(1e-6, 1.0)), 2u);
  EXPECT_EQ(ratio_bin(0.5), 7u);
  EXPECT_EQ(ratio_bin(1.0), 8u);
  EXPECT_EQ(ratio_bin(std::nextafter(1.0, 2.0)), 9u);
  EXPECT_EQ(ratio_bin(10.0), 10u);
  EXPECT_EQ(ratio_bin(10.5), 11u);
  EXPECT_EQ(ratio_bin(kInf), 11u);
  EXPECT_EQ(kRatioBinCount, 12u);
  EXPECT_EQ(ratio_bin_label(0), "0");
  EXPECT_EQ(ratio_bin_label(1), "(0, 1e-06]");
  EXPECT_EQ(ratio_bin_label(8), "(0.5, 1]");
  EXPECT_EQ(ratio_bin_label(11), "> 10");
  EXPECT_FALSE(ratio_bin_out_of_bound(8));
  EXPECT_TRUE(ratio_bin_out_of_bound(9));
  EXPECT_TRUE(ratio_bin_out_of_bound(11));
}

// Nine elements, one per situation:
//   [0] error 0                                   ratio 0        bin "0"
//   [1] error 2^-30, bound 2^-7                   ratio 2^-23    bin (0, 1e-6]
//   [2] error 1/32, bound 1/8                     ratio 0.25     bin (0.1, 0.5]
//   [3] error 0.5, bound 0.5                      ratio 1        bin (0.5, 1]   (within)
//   [4] error 0.75, bound 0.5                     ratio 1.5      bin (1, 2]     out of bound
//   [5] error 5, bound 0.25                       ratio 20       bin > 10       out of bound
//   [6] NaN where 7 is expected                   no ratio       mismatch       out of bound
//   [7] any value passes (kAnyValue)              not counted
//   [8] NaN where NaN is expected                 error 0        bin "0"
TEST(OutputTally, CountsEveryCheckedElementInItsBinAndListsTheWorstFirst) {
  const Array expected{{9}, {1, 2, 3, 4, 5, 6, 7, 8, kNaN}};
  const Array actual{{9}, {1, 2 + std::ldexp(1.0, -30), 3.03125, 4.5, 5.75, 11, kNaN, 100, kNaN}};
  const std::vector<double> bounds{0.125, std::ldexp(1.0, -7), 0.125, 0.5, 0.5, 0.25,
                                   0.125, kAnyValue,           0.0};
  const OutputCheck check = compare_output("y", expected, actual, bounds);

  RatioHistogram histogram{};
  histogram[0] = 2;   // [0], [8]
  histogram[1] = 1;   // [1]
  histogram[7] = 1;   // [2]
  histogram[8] = 1;   // [3]
  histogram[9] = 1;   // [4]
  histogram[11] = 1;  // [5]
  EXPECT_EQ(check.ratio_histogram, histogram);
  EXPECT_EQ(check.non_finite_mismatches, 1u);
  EXPECT_EQ(check.out_of_bound, 3u);
  EXPECT_FALSE(check.passed);

  // The mismatch first, then by ratio, then the ratio-0 elements by index.
  const std::vector<std::string> order{"[6]", "[5]", "[4]", "[3]", "[2]",
                                       "[1]", "[0]", "[7]", "[8]"};
  ASSERT_EQ(check.worst.size(), order.size());
  for (std::size_t i = 0; i < order.size(); ++i) EXPECT_EQ(check.worst[i].index, order[i]) << i;
  EXPECT_EQ(check.worst[0].error, kInf);
  EXPECT_EQ(check.worst[0].expected, 7);
  EXPECT_TRUE(std::isnan(check.worst[0].actual));
  EXPECT_EQ(check.worst[1].error, 5);
  EXPECT_EQ(check.worst[1].bound, 0.25);
  EXPECT_EQ(check.worst[1].expected, 6);
  EXPECT_EQ(check.worst[1].actual, 11);
  EXPECT_EQ(check.worst[2].error, 0.75);
  EXPECT_EQ(check.worst[8].error, 0);  // a matched NaN is no error

  // The single worst element the reports have always shown is the first of the list.
  EXPECT_EQ(check.index, "[6]");
  EXPECT_EQ(check.error, kInf);
  EXPECT_EQ(check.bound, 0.125);
  EXPECT_EQ(check.reason, "NaN where a finite value is expected (3 of 9 elements out of bound)");
}

// Forty elements out of bound by the same ratio 2 and one, [25], by 3: the list keeps sixteen,
// [25] first, then the others in index order (a tie goes to the element met first).
TEST(OutputTally, KeepsSixteenAndBreaksTiesByIndex) {
  Array expected{{40}, std::vector<double>(40, 1.0)};
  Array actual{{40}, std::vector<double>(40, 1.5)};  // error 0.5 over bound 0.25: ratio 2
  actual.values[25] = 1.75;                          // ratio 3
  const OutputCheck check = compare_output("dx", expected, actual, std::vector<double>(40, 0.25));
  ASSERT_EQ(kWorstElements, 16u);
  ASSERT_EQ(check.worst.size(), 16u);
  EXPECT_EQ(check.worst[0].index, "[25]");
  for (std::size_t i = 1; i < 16; ++i) {
    EXPECT_EQ(check.worst[i].index, "[" + std::to_string(i - 1) + "]") << i;
  }
  RatioHistogram histogram{};
  histogram[9] = 39;  // ratio 2: (1, 2]
  histogram[10] = 1;  // ratio 3: (2, 10]
  EXPECT_EQ(check.ratio_histogram, histogram);
  EXPECT_EQ(check.out_of_bound, 40u);
}

// Fewer elements than sixteen: all of them, worst first, with logical indices of the shape.
TEST(OutputTally, ListsEveryElementOfASmallOutputWithItsLogicalIndex) {
  const Array expected{{2, 2}, {1, 1, 1, 1}};
  const Array actual{{2, 2}, {1, 1.0625, 1, 1.25}};  // errors 0, 1/16, 0, 1/4
  const OutputCheck check = compare_output("y", expected, actual, std::vector<double>(4, 0.5));
  EXPECT_TRUE(check.passed);
  ASSERT_EQ(check.worst.size(), 4u);
  EXPECT_EQ(check.worst[0].index, "[1, 1]");  // ratio 0.5
  EXPECT_EQ(check.worst[1].index, "[0, 1]");  // ratio 0.125
  EXPECT_EQ(check.worst[2].index, "[0, 0]");
  EXPECT_EQ(check.worst[3].index, "[1, 0]");
  RatioHistogram histogram{};
  histogram[0] = 2;
  histogram[7] = 2;  // 0.125 and 0.5 both in (0.1, 0.5]
  EXPECT_EQ(check.ratio_histogram, histogram);
  EXPECT_EQ(check.non_finite_mismatches, 0u);
}

// An output of the wrong shape is not compared element by element: nothing counted or listed.
TEST(OutputTally, AWrongShapeCountsNothing) {
  const OutputCheck check =
      compare_output("y", Array{{2}, {1, 2}}, Array{{3}, {1, 2, 3}}, std::vector<double>(2, 1.0));
  EXPECT_FALSE(check.passed);
  EXPECT_EQ(check.ratio_histogram, RatioHistogram{});
  EXPECT_TRUE(check.worst.empty());
}

}  // namespace
}  // namespace bnconf::conformance
