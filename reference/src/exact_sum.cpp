#include "bnconf/reference/numerics/exact_sum.hpp"

#include <bit>
#include <cmath>
#include <limits>

namespace bnconf::reference::numerics {
namespace {

// Rounds the non-negative number high96 * 2^scale + (something below 2^scale) to the nearest
// double, ties to even. high96 holds the top three chunks of the exact total; `sticky` says
// whether any bit below them is set.
double round_to_double(unsigned __int128 high96, bool sticky, int scale) {
  if (high96 == 0) return 0.0;
  const auto upper = static_cast<std::uint64_t>(high96 >> 64);
  const int bit_length = upper != 0 ? 128 - std::countl_zero(upper)
                                    : 64 - std::countl_zero(static_cast<std::uint64_t>(high96));
  const int drop = bit_length > 53 ? bit_length - 53 : 0;
  std::uint64_t significand = static_cast<std::uint64_t>(high96 >> drop);
  if (drop > 0) {
    const unsigned __int128 remainder = high96 & ((static_cast<unsigned __int128>(1) << drop) - 1);
    const unsigned __int128 half = static_cast<unsigned __int128>(1) << (drop - 1);
    const bool above_half = remainder > half || (remainder == half && sticky);
    const bool tie = remainder == half && !sticky;
    if (above_half || (tie && (significand & 1u))) ++significand;  // may carry into 2^53: exact
  }
  // significand * 2^(scale + drop): a 53-bit (or 2^53) integer times a power of two. ldexp is
  // exact unless the result is subnormal (then the value had fewer than 53 bits and the bits
  // dropped above are zero) or overflows (then +inf is the correctly rounded result).
  return std::ldexp(static_cast<double>(significand), scale + drop);
}

}  // namespace

void ExactSum::add_non_finite(double term) {
  if (std::isnan(term)) {
    has_nan_ = true;
  } else if (term > 0) {
    has_positive_infinity_ = true;
  } else {
    has_negative_infinity_ = true;
  }
}

void ExactSum::add(const ExactSum& other) {
  ExactSum normalised = other;
  normalised.propagate_carries();
  propagate_carries();
  for (int k = 0; k < kChunks; ++k) bank_[0][k] += normalised.bank_[0][k];
  additions_ = 1;
  has_nan_ = has_nan_ || other.has_nan_;
  has_positive_infinity_ = has_positive_infinity_ || other.has_positive_infinity_;
  has_negative_infinity_ = has_negative_infinity_ || other.has_negative_infinity_;
}

void ExactSum::propagate_carries() {
  auto& chunk = bank_[0];
  for (int k = 0; k < kChunks; ++k) {
    chunk[k] += bank_[1][k];
    bank_[1][k] = 0;
  }
  for (int k = 0; k + 1 < kChunks; ++k) {
    const std::int64_t carry = chunk[k] >> kChunkBits;  // arithmetic shift: floor division
    chunk[k] -= carry * (std::int64_t{1} << kChunkBits);
    chunk[k + 1] += carry;
  }
  additions_ = 0;
}

bool ExactSum::is_negative() const { return bank_[0][kChunks - 1] < 0; }

double ExactSum::value() const {
  if (has_nan_ || (has_positive_infinity_ && has_negative_infinity_)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (has_positive_infinity_) return std::numeric_limits<double>::infinity();
  if (has_negative_infinity_) return -std::numeric_limits<double>::infinity();

  ExactSum magnitude = *this;
  magnitude.propagate_carries();
  const bool negative = magnitude.is_negative();
  if (negative) {
    for (auto& c : magnitude.bank_[0]) c = -c;
    magnitude.propagate_carries();
  }
  int top = kChunks - 1;
  while (top >= 0 && magnitude.bank_[0][top] == 0) --top;
  if (top < 0) return 0.0;
  // Three chunks from the top one down give at least 65 significant bits, enough to round to
  // 53 with the remaining chunks folded into a sticky bit.
  unsigned __int128 high96 = 0;
  int lowest_used = top;
  for (int k = top; k >= 0 && k > top - 3; --k) {
    high96 = (high96 << kChunkBits) | static_cast<std::uint64_t>(magnitude.bank_[0][k]);
    lowest_used = k;
  }
  bool sticky = false;
  for (int k = lowest_used - 1; k >= 0; --k) sticky = sticky || magnitude.bank_[0][k] != 0;
  const double result = round_to_double(high96, sticky, lowest_used * kChunkBits - 1074);
  return negative ? -result : result;
}

DoubleDouble ExactSum::value_dd() const {
  const double hi = value();
  if (!std::isfinite(hi)) return {hi, 0.0};
  ExactSum remainder = *this;
  remainder.add(-hi);
  return {hi, remainder.value()};
}

std::vector<double> ExactSum::components() const {
  std::vector<double> parts;
  ExactSum remainder = *this;
  // Each step removes the leading 53 bits of the remainder (the rounded value is within half an
  // ulp of it), so a total spanning the whole range of the accumulator needs at most 40 steps.
  for (double part = remainder.value(); part != 0.0 && std::isfinite(part);
       part = remainder.value()) {
    parts.push_back(part);
    remainder.add(-part);
  }
  return parts;
}

}  // namespace bnconf::reference::numerics
