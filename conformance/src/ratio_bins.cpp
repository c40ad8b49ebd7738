#include "bnconf/conformance/ratio_bins.hpp"

#include <cmath>
#include <cstdio>

namespace bnconf::conformance {
namespace {

// Bounds print as "1e-06", "0.5", "10": %g, the shortest form that stays readable.
std::string bound_text(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

}  // namespace

std::optional<double> bound_ratio(double error, double bound) {
  if (bound > 0 && std::isfinite(bound) && std::isfinite(error)) return error / bound;
  return std::nullopt;
}

std::size_t ratio_bin(double ratio) {
  for (std::size_t bin = 0; bin < kRatioBinCount; ++bin) {
    if (ratio <= kRatioBinUppers[bin]) return bin;
  }
  return kRatioBinCount - 1;  // NaN: not a ratio the judge counts, kept in range all the same
}

std::string ratio_bin_label(std::size_t bin) {
  if (bin == 0) return "0";
  const std::string lower = bound_text(kRatioBinUppers[bin - 1]);
  if (bin + 1 == kRatioBinCount) return "> " + lower;
  return "(" + lower + ", " + bound_text(kRatioBinUppers[bin]) + "]";
}

bool ratio_bin_out_of_bound(std::size_t bin) { return bin > 0 && kRatioBinUppers[bin - 1] >= 1; }

}  // namespace bnconf::conformance
