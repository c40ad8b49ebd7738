// The bins in which a report counts how close each checked element runs to its bound: the ratio
// error / bound, on log-spaced bins, as a table written once. The judge counts every checked
// element of an output into them (OutputCheck::ratio_histogram); the JSON report names them and
// the HTML report draws them.
#pragma once

#include <array>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>

namespace bnconf::conformance {

// The upper ends of the bins: the first holds exactly 0, each other one (previous, upper].
// Decades up to 0.1, then finer steps to the bound (1) and beyond it, then everything above 10.
inline constexpr std::array kRatioBinUppers = {
    0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2,
    0.1, 0.5,  1.0,  2.0,  10.0, std::numeric_limits<double>::infinity()};
inline constexpr std::size_t kRatioBinCount = kRatioBinUppers.size();

// Counts per bin, in the order of kRatioBinUppers.
using RatioHistogram = std::array<std::size_t, kRatioBinCount>;

// An element's (or an output's worst element's) error / bound as the reports give it: defined
// where both are finite and the bound positive; a special-value mismatch or a bound of 0 or
// "any value" has none.
std::optional<double> bound_ratio(double error, double bound);

// The bin of a ratio >= 0 (+inf included: the last bin).
std::size_t ratio_bin(double ratio);

// "0", "(0, 1e-06]", ..., "(2, 10]", "> 10".
std::string ratio_bin_label(std::size_t bin);

// Whether a bin holds ratios above 1: elements out of their bounds.
bool ratio_bin_out_of_bound(std::size_t bin);

}  // namespace bnconf::conformance
