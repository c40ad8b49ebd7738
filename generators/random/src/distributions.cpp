#include "bnconf/random/distributions.hpp"

#include <cfloat>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "bnconf/ieee/portable_log.hpp"

static_assert(std::numeric_limits<double>::is_iec559, "IEEE-754 binary64 double required");
static_assert(FLT_EVAL_METHOD == 0, "double arithmetic must be evaluated in double (no x87)");

namespace bnconf::random {

double uniform01(ElementDraws& draws) {
  // (r >> 11) < 2^53 converts to double exactly; the scaling by a power of two is exact.
  return static_cast<double>(draws.next_u64() >> 11) * 0x1p-53;
}

double uniform(ElementDraws& draws, double a, double b) {
  const double width = b - a;
  if (!(a < b) || !std::isfinite(a) || !std::isfinite(b) || !std::isfinite(width)) {
    throw std::invalid_argument("bnconf::random::uniform: needs finite a < b with b - a finite");
  }
  const double r = a + width * uniform01(draws);
  // a + width * u can round up to b (e.g. a = 1, b = 2, u = 1 - 2^-53); nextafter is exact.
  return r < b ? r : std::nextafter(b, a);
}

double standard_normal(ElementDraws& draws) {
  for (;;) {  // ends: ElementDraws throws after 2^16 tries, probability (1 - pi/4)^65536
    // 2u - 1 is exact: u is a multiple of 2^-53 in [0, 1), so v is a multiple of 2^-52.
    const double v1 = 2.0 * uniform01(draws) - 1.0;
    const double v2 = 2.0 * uniform01(draws) - 1.0;
    const double s = v1 * v1 + v2 * v2;
    if (s < 1.0 && s > 0.0) {
      return v1 * std::sqrt(-2.0 * ieee::portable_log(s) / s);  // sqrt is correctly rounded (IEEE)
    }
  }
}

double normal(ElementDraws& draws, double mean, double stddev) {
  return mean + stddev * standard_normal(draws);
}

std::uint64_t uniform_int(ElementDraws& draws, std::uint64_t n) {
  if (n == 0) throw std::invalid_argument("bnconf::random::uniform_int: n must be at least 1");
  const std::uint64_t rejected_below = (0 - n) % n;  // 2^64 mod n, in unsigned arithmetic
  for (;;) {
    const std::uint64_t r = draws.next_u64();
    if (r >= rejected_below) return r % n;
  }
}

bool bernoulli(ElementDraws& draws, double p) {
  if (!(p >= 0.0 && p <= 1.0)) {
    throw std::invalid_argument("bnconf::random::bernoulli: p must lie in [0, 1]");
  }
  return uniform01(draws) < p;
}

double random_sign(ElementDraws& draws) { return (draws.next_u64() >> 63) != 0 ? -1.0 : 1.0; }

}  // namespace bnconf::random
