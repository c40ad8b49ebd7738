// Exact summation of doubles with one correct rounding at the end.
//
// Every finite double is an integer multiple of 2^-1074. ExactSum keeps the running total as
// such an integer, spread over 32-bit "chunks" held in int64 words (a small superaccumulator in
// the sense of R. M. Neal, "Fast exact summation using small and large superaccumulators",
// arXiv:1505.05571, 2015). Adding a double adds its 53-bit significand, shifted to its exponent,
// into two neighbouring chunks: integer additions, so nothing is ever rounded. value() rounds
// the exact total once, to nearest with ties to even.
//
// Consequences the reference relies on: the result does not depend on the order of the terms
// (layouts, batch permutations and thread splits give identical bits), and a sum whose terms
// cancel is as accurate as one whose terms do not.
//
// Non-finite terms follow IEEE addition: any NaN, or +inf together with -inf, gives NaN; +inf
// or -inf alone gives that infinity. A finite total beyond the double range rounds to +-inf.
#pragma once

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "bnconf/reference/numerics/double_double.hpp"

namespace bnconf::reference::numerics {

class ExactSum {
 public:
  inline void add(double term);
  // a * b added exactly (as the two parts of two_prod).
  void add_product(double a, double b) {
    const DoubleDouble product = two_prod(a, b);
    add(product.hi);
    add(product.lo);
  }
  void add(const ExactSum& other);

  // The exact total rounded to the nearest double.
  double value() const;
  // hi = value(), lo = the exact remainder (total - hi) rounded to the nearest double.
  DoubleDouble value_dd() const;
  // The exact finite total as non-overlapping doubles, largest first, whose exact sum it is
  // (each is the rounded remainder of the ones before; empty for 0). Lets the total be
  // multiplied exactly, term by term, by a double.
  std::vector<double> components() const;

 private:
  static constexpr int kChunkBits = 32;
  // Significand bit positions 0..2098 (2^-1074 .. 2^1024) span chunks 0..65; two more chunks
  // hold the carries of totals up to 2^62 times the largest double.
  static constexpr int kChunks = 68;
  // Each addition changes a chunk by less than 2^52, and normalised chunks are below 2^33, so an
  // int64 chunk absorbs 1024 additions (< 2^62 in all) before carries must be propagated.
  static constexpr std::int64_t kAdditionsBeforeCarry = 1024;

  void add_non_finite(double term);
  // Folds bank 1 into bank 0 and propagates carries: afterwards bank_[0][0 .. kChunks-2] lie
  // in [0, 2^32), the top chunk is signed, and bank 1 is zero.
  void propagate_carries();
  bool is_negative() const;

  // Two banks used alternately: consecutive additions usually hit the same chunks, and
  // alternating banks lets two of these read-modify-write chains run at once. The total is the
  // sum of both banks; bank_[1] is folded into bank_[0] before any other use.
  std::array<std::array<std::int64_t, kChunks>, 2> bank_{};
  std::int64_t additions_ = 0;
  bool has_nan_ = false;
  bool has_positive_infinity_ = false;
  bool has_negative_infinity_ = false;
};

// Inline: this is the inner loop of every reduction of the reference.
void ExactSum::add(double term) {
  constexpr int kFractionBits = 52;
  constexpr std::uint64_t kFractionMask = (std::uint64_t{1} << kFractionBits) - 1;
  constexpr std::uint64_t kLow32 = 0xffffffffu;
  constexpr int kMaxExponent = 0x7ff;
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(term);
  int exponent = static_cast<int>((bits >> kFractionBits) & kMaxExponent);
  if (exponent == kMaxExponent) [[unlikely]] {
    add_non_finite(term);
    return;
  }
  std::uint64_t significand = bits & kFractionMask;
  if (exponent == 0) {
    exponent = 1;  // subnormal: the scale of the smallest normal exponent, no hidden bit
  } else {
    significand |= std::uint64_t{1} << kFractionBits;
  }
  // |term| = significand * 2^(exponent - 1075) = (significand << (exponent - 1)) * 2^-1074.
  // Cut at the chunk boundary above bit `position`: low < 2^32 goes to the chunk that holds
  // bit `position`, high < 2^52 to the next one.
  const int position = exponent - 1;
  const int first_chunk = position / kChunkBits;
  const int shift = position % kChunkBits;
  const auto low = static_cast<std::int64_t>((significand << shift) & kLow32);
  const auto high = static_cast<std::int64_t>(significand >> (kChunkBits - shift));
  auto& chunk = bank_[additions_ & 1];
  if (bits >> 63) {
    chunk[first_chunk] -= low;
    chunk[first_chunk + 1] -= high;
  } else {
    chunk[first_chunk] += low;
    chunk[first_chunk + 1] += high;
  }
  if (++additions_ == kAdditionsBeforeCarry) [[unlikely]]
    propagate_carries();
}

}  // namespace bnconf::reference::numerics
