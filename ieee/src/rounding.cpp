// Software round-to-nearest-even from binary64 to a narrower binary format.
//
// A finite nonzero double is |x| = M * 2^E exactly, with the integer M < 2^53. In a format with
// p digits and minimum normal exponent emin, the spacing (quantum) of the values near x is 2^q
// with q = max(lead, emin) - (p - 1), where lead = floor(log2 |x|); below 2^emin it is the
// fixed subnormal spacing. If q <= E, x already lies on the grid. Otherwise the low q - E bits
// of M are dropped and the kept integer is rounded by comparing the dropped bits with half a
// quantum (ties to even). The result kept * 2^q is exactly representable as a double, so
// multiplying by the power of two is exact. Finally a magnitude above max_finite overflows to
// infinity, which is the IEEE rule once rounding has been done with unbounded exponent range.
#include "bnconf/ieee/rounding.hpp"

#include <bit>
#include <cmath>
#include <cfloat>
#include <limits>

static_assert(std::numeric_limits<double>::is_iec559, "IEEE-754 binary64 double required");
static_assert(FLT_EVAL_METHOD == 0, "double arithmetic must be evaluated in double (no x87)");

namespace bnconf::ieee {
namespace {

constexpr std::uint64_t kSignBit = std::uint64_t{1} << 63;
constexpr std::uint64_t kFractionMask = (std::uint64_t{1} << 52) - 1;
constexpr std::uint64_t kQuietNan = 0x7ff8000000000000u;

// 2^e as a double, for normal exponents (every use has -1022 <= e <= 1023).
double power_of_two(int e) { return std::bit_cast<double>(std::uint64_t(e + 1023) << 52); }

double max_finite_of(const FloatFormat& f) {
  // (2^p - 1) * 2^(emax - p + 1); the integer converts exactly (p <= 53).
  return static_cast<double>((std::uint64_t{1} << f.digits) - 1) *
         power_of_two(f.max_exponent - f.digits + 1);
}

double round_to_format(double x, const FloatFormat& f) {
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
  const std::uint64_t sign = bits & kSignBit;
  const int biased = static_cast<int>((bits >> 52) & 0x7ff);
  if (biased == 0x7ff) {
    return (bits & kFractionMask) != 0 ? std::bit_cast<double>(sign | kQuietNan) : x;
  }
  if ((bits & ~kSignBit) == 0) return x;  // +-0

  // |x| = m * 2^e exactly.
  const std::uint64_t m =
      biased == 0 ? (bits & kFractionMask) : (bits & kFractionMask) | (kFractionMask + 1);
  const int e = biased == 0 ? -1074 : biased - 1075;
  const int lead = e + std::bit_width(m) - 1;
  if (lead > f.max_exponent) return std::bit_cast<double>(sign | 0x7ff0000000000000u);

  const int q = (lead > f.min_exponent ? lead : f.min_exponent) - (f.digits - 1);
  if (q <= e) return x;  // on the grid already (and below 2^(emax+1), so finite)

  const int shift = q - e;  // > 0
  std::uint64_t kept = 0;
  if (shift < 54) {  // for shift >= 54, m < 2^53 <= half a quantum, so x rounds to zero
    kept = m >> shift;
    const std::uint64_t dropped = m & ((std::uint64_t{1} << shift) - 1);
    const std::uint64_t half = std::uint64_t{1} << (shift - 1);
    if (dropped > half || (dropped == half && (kept & 1) != 0)) ++kept;
  }
  // kept <= 2^p and 2^q is normal (q >= emin - p + 1 >= -149), so the product is exact.
  const double magnitude = static_cast<double>(kept) * power_of_two(q);
  if (magnitude > max_finite_of(f)) {
    return std::bit_cast<double>(sign | 0x7ff0000000000000u);
  }
  return std::bit_cast<double>(sign | std::bit_cast<std::uint64_t>(magnitude));
}

// Encodes x (rounded first) in the 16-bit layout sign | exponent field | fraction field.
std::uint16_t encode16(double x, const FloatFormat& f) {
  const int fraction_bits = f.digits - 1;
  const int bias = f.max_exponent;
  const std::uint64_t all_ones = (std::uint64_t{1} << f.exponent_bits) - 1;
  const std::uint64_t exponent_field_inf = all_ones << fraction_bits;

  const double r = round_to_format(x, f);
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(r);
  const std::uint64_t sign = (bits >> 63) << 15;
  const int biased = static_cast<int>((bits >> 52) & 0x7ff);
  const std::uint64_t fraction = bits & kFractionMask;
  std::uint64_t out = 0;
  if (biased == 0x7ff) {
    out = fraction != 0 ? exponent_field_inf | (std::uint64_t{1} << (fraction_bits - 1))  // qNaN
                        : exponent_field_inf;
  } else if (biased != 0) {  // r != 0; every value of these formats is a normal double
    const int lead = biased - 1023;
    const std::uint64_t significand = fraction | (kFractionMask + 1);  // 53 bits
    if (lead >= f.min_exponent) {
      out = (std::uint64_t(lead + bias) << fraction_bits) | (fraction >> (52 - fraction_bits));
    } else {  // subnormal: the count of the smallest subnormal, exact since r is on the grid
      const int smallest = f.min_exponent - fraction_bits;
      out = significand >> (52 - (lead - smallest));
    }
  }
  return static_cast<std::uint16_t>(sign | out);
}

double decode16(std::uint16_t h, const FloatFormat& f) {
  const int fraction_bits = f.digits - 1;
  const int bias = f.max_exponent;
  const std::uint64_t all_ones = (std::uint64_t{1} << f.exponent_bits) - 1;
  const std::uint64_t sign = (std::uint64_t{h} >> 15) << 63;
  const std::uint64_t exponent = (std::uint64_t{h} >> fraction_bits) & all_ones;
  const std::uint64_t fraction = h & ((std::uint64_t{1} << fraction_bits) - 1);
  double magnitude = 0.0;
  if (exponent == all_ones) {
    return std::bit_cast<double>(sign | (fraction != 0 ? kQuietNan : 0x7ff0000000000000u));
  } else if (exponent == 0) {
    magnitude = static_cast<double>(fraction) * power_of_two(f.min_exponent - fraction_bits);
  } else {
    const std::uint64_t significand = fraction | (std::uint64_t{1} << fraction_bits);
    magnitude = static_cast<double>(significand) *
                power_of_two(static_cast<int>(exponent) - bias - fraction_bits);
  }
  return std::bit_cast<double>(sign | std::bit_cast<std::uint64_t>(magnitude));
}

}  // namespace

double round_to(double x, Dtype dtype) { return round_to_format(x, format_of(dtype)); }

double overflow_threshold(Dtype dtype) {
  if (dtype == Dtype::f64) return std::numeric_limits<double>::infinity();
  const FloatFormat f = format_of(dtype);
  return std::ldexp(2.0 - std::ldexp(1.0, -f.digits), f.max_exponent);
}

double to_f32(double x) { return round_to(x, Dtype::f32); }
double to_f16(double x) { return round_to(x, Dtype::f16); }
double to_bf16(double x) { return round_to(x, Dtype::bf16); }

bool is_representable(double x, Dtype dtype) {
  if (x != x) return true;
  return round_to(x, dtype) == x;
}

std::uint16_t f16_bits(double x) { return encode16(x, format_of(Dtype::f16)); }
double f16_from_bits(std::uint16_t bits) { return decode16(bits, format_of(Dtype::f16)); }
std::uint16_t bf16_bits(double x) { return encode16(x, format_of(Dtype::bf16)); }
double bf16_from_bits(std::uint16_t bits) { return decode16(bits, format_of(Dtype::bf16)); }

}  // namespace bnconf::ieee
