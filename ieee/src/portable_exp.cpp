#include "bnconf/ieee/portable_exp.hpp"

#include <cmath>
#include <limits>

namespace bnconf::ieee {

double portable_exp(double x) {
  if (std::isnan(x)) return x;
  if (x > 709.8) return std::numeric_limits<double>::infinity();
  if (x < -745.2) return 0.0;
  constexpr double kInvLn2 = 1.4426950408889634;     // 1 / ln 2
  constexpr double kLn2High = 0x1.62e42fee00000p-1;  // ln 2, trailing 32 bits zero
  constexpr double kLn2Low = 0x1.a39ef35793c76p-33;  // ln 2 - kLn2High
  const double k = std::floor(x * kInvLn2 + 0.5);
  const double r = (x - k * kLn2High) - k * kLn2Low;
  double series = 1.0;
  for (int n = 16; n >= 1; --n) series = 1.0 + series * r / static_cast<double>(n);
  return std::ldexp(series, static_cast<int>(k));
}

}  // namespace bnconf::ieee
