// portable_log: ln(x) from + - * / and bit manipulation only.
//
// Method (the classical one of Tang, and of fdlibm's e_log.c, Sun Microsystems 1993):
//  1. Range reduction, exact: x = 2^e * m with m in [sqrt(1/2), sqrt(2)), read from the bits
//     (subnormals are first scaled by 2^54, which is exact).
//  2. With f = m - 1 (exact, Sterbenz) and s = f / (2 + f) = (m - 1)/(m + 1), |s| <= 0.1716:
//       ln(m) = 2 atanh(s) = 2s + s*R(z),  z = s^2,  R(z) = sum_{k>=1} 2/(2k+1) z^k.
//     R is the Taylor series truncated after z^10; the first omitted term, 2 s^23 / 23, is
//     below 0.003 ulp of ln(m). The coefficients are 2/(2k+1) rounded to double.
//  3. Since 2s = f - s*f, ln(m) = f - (hfsq - s*(hfsq + R)) with hfsq = f*f/2 (check:
//     s*(f + hfsq) = hfsq because s*(2 + f) = f). f is exact and the bracket is a small
//     correction (about f^2/2), so its rounding errors hardly reach the result, unlike those of
//     2*s, which carries the two roundings of s.
//  4. ln(x) = e*ln2_hi - ((hfsq - (s*(hfsq + R) + e*ln2_lo)) - f): e*ln2_lo joins the small
//     correction before f is added, so ln(m) + e*ln2_lo is rounded once; adding it after ln(m)
//     has been rounded costs up to 1.25 ulp where e*ln2 and ln(m) cancel (x just below
//     sqrt(1/2)). ln2_hi has 42 significant bits, so e*ln2_hi is exact for |e| <= 1075
//     (< 2^11), and ln2_hi + ln2_lo equals ln 2 to 2^-100 relative.
// Every operation is an IEEE basic operation rounded once, so the result is the same on every
// conforming platform; see docs/random.md.
#include "bnconf/ieee/portable_log.hpp"

#include <array>
#include <bit>
#include <cfloat>
#include <cstdint>
#include <limits>

static_assert(std::numeric_limits<double>::is_iec559, "IEEE-754 binary64 double required");
static_assert(FLT_EVAL_METHOD == 0, "double arithmetic must be evaluated in double (no x87)");

namespace bnconf::ieee {
namespace {

constexpr std::uint64_t kFractionMask = (std::uint64_t{1} << 52) - 1;
constexpr std::uint64_t kExponentOfOne = std::uint64_t{1023} << 52;

constexpr double kSqrt2 = 0x1.6a09e667f3bcdp+0;   // sqrt(2) rounded (up) to double
constexpr double kLn2Hi = 0x1.62e42fefa3800p-1;   // ln 2 rounded to 42 significant bits
constexpr double kLn2Lo = 0x1.ef35793c76730p-45;  // ln 2 - kLn2Hi rounded to double

// R(z) = z * (c[0] + z * (c[1] + ... + z * c[9])) with c[k-1] = 2/(2k+1), k = 1..10, each
// correctly rounded to double (computed with mpmath at 300 bits).
constexpr std::array<double, 10> kSeries = {
    0x1.5555555555555p-1,  // 2/3
    0x1.999999999999ap-2,  // 2/5
    0x1.2492492492492p-2,  // 2/7
    0x1.c71c71c71c71cp-3,  // 2/9
    0x1.745d1745d1746p-3,  // 2/11
    0x1.3b13b13b13b14p-3,  // 2/13
    0x1.1111111111111p-3,  // 2/15
    0x1.e1e1e1e1e1e1ep-4,  // 2/17
    0x1.af286bca1af28p-4,  // 2/19
    0x1.8618618618618p-4,  // 2/21
};

}  // namespace

double portable_log(double x) {
  if (x != x || x < 0.0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0.0) return -std::numeric_limits<double>::infinity();
  if (x == std::numeric_limits<double>::infinity()) return x;

  std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
  int e = 0;
  if ((bits >> 52) == 0) {  // subnormal: scale into the normal range, exactly
    bits = std::bit_cast<std::uint64_t>(x * 0x1p54);
    e = -54;
  }
  e += static_cast<int>(bits >> 52) - 1023;
  double m = std::bit_cast<double>((bits & kFractionMask) | kExponentOfOne);  // [1, 2)
  if (m >= kSqrt2) {
    m *= 0.5;  // exact
    ++e;
  }

  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double z = s * s;
  double horner = kSeries.back();  // Horner's rule, innermost coefficient first
  for (int k = static_cast<int>(kSeries.size()) - 2; k >= 0; --k) horner = kSeries[k] + z * horner;
  const double r = z * horner;
  const double hfsq = 0.5 * f * f;
  const double de = e;
  // ln(x) = e*ln2_hi + f - (hfsq - s*(hfsq + r) - e*ln2_lo); the small terms are gathered first
  // so that ln(m) + e*ln2_lo is rounded once, not twice (step 4).
  const double correction = hfsq - (s * (hfsq + r) + de * kLn2Lo);
  return de * kLn2Hi - (correction - f);
}

}  // namespace bnconf::ieee
