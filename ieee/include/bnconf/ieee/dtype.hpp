// The storage dtypes of activations (fixtures, the adapter ABI) and their IEEE-style parameters.
//
// Every format here is binary floating point with a hidden leading bit, gradual underflow
// (subnormals), infinities and NaN, as IEEE 754-2008 section 3 describes for binary64 (f64),
// binary32 (f32) and binary16 (f16); bfloat16 (bf16) is binary32 with the fraction cut to 7 bits
// (same exponent range). All constants below are exact powers of two or exact hex-float literals.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace bnconf::ieee {

// The enumerator values are the adapter ABI's bnconf_dtype values (checked where the two meet,
// conformance/src/abi_values.hpp).
enum class Dtype { f64, f32, f16, bf16 };

// Every dtype, in enumerator order: the one list that names, tables and loops derive from.
inline constexpr std::array<Dtype, 4> kAllDtypes{Dtype::f64, Dtype::f32, Dtype::f16, Dtype::bf16};

// The parameters of a binary format: values are +-d.ddd * 2^e with `digits` significand bits
// (the hidden bit included), normal exponents in [min_exponent, max_exponent], subnormals below
// 2^min_exponent in steps of 2^(min_exponent - digits + 1).
struct FloatFormat {
  int digits;
  int min_exponent;
  int max_exponent;
  int exponent_bits;  // width of the exponent field in the encoding
};

constexpr FloatFormat format_of(Dtype dtype) {
  switch (dtype) {
    case Dtype::f64:
      return {53, -1022, 1023, 11};
    case Dtype::f32:
      return {24, -126, 127, 8};
    case Dtype::f16:
      return {11, -14, 15, 5};
    case Dtype::bf16:
      return {8, -126, 127, 8};
  }
  return {0, 0, 0, 0};  // unreachable for valid enumerators
}

// "f64", "f32", "f16", "bf16".
constexpr std::string_view to_string(Dtype dtype) {
  switch (dtype) {
    case Dtype::f64:
      return "f64";
    case Dtype::f32:
      return "f32";
    case Dtype::f16:
      return "f16";
    case Dtype::bf16:
      return "bf16";
  }
  return "?";
}

// Inverse of to_string; nothing for any other text.
constexpr std::optional<Dtype> dtype_from_string(std::string_view name) {
  for (const Dtype dtype : kAllDtypes) {
    if (name == to_string(dtype)) return dtype;
  }
  return std::nullopt;
}

// Bytes of one stored element (sign bit + exponent field + digits - 1 fraction bits): 8, 4, 2, 2.
constexpr std::size_t storage_bytes(Dtype dtype) {
  return static_cast<std::size_t>(format_of(dtype).exponent_bits + format_of(dtype).digits) / 8;
}

// Significand bits, hidden bit included (53, 24, 11, 8).
constexpr int mantissa_digits(Dtype dtype) { return format_of(dtype).digits; }

// Unit roundoff u = 2^-digits: the largest relative error of round-to-nearest.
constexpr double unit_roundoff(Dtype dtype) {
  switch (dtype) {
    case Dtype::f64:
      return 0x1p-53;
    case Dtype::f32:
      return 0x1p-24;
    case Dtype::f16:
      return 0x1p-11;
    case Dtype::bf16:
      return 0x1p-8;
  }
  return 0.0;
}

// Largest finite value (2 - 2^(1 - digits)) * 2^max_exponent.
constexpr double max_finite(Dtype dtype) {
  switch (dtype) {
    case Dtype::f64:
      return 0x1.fffffffffffffp+1023;
    case Dtype::f32:
      return 0x1.fffffep+127;
    case Dtype::f16:
      return 0x1.ffcp+15;  // 65504
    case Dtype::bf16:
      return 0x1.fep+127;
  }
  return 0.0;
}

// Smallest positive normal value 2^min_exponent.
constexpr double smallest_normal(Dtype dtype) {
  switch (dtype) {
    case Dtype::f64:
      return 0x1p-1022;
    case Dtype::f32:
      return 0x1p-126;
    case Dtype::f16:
      return 0x1p-14;
    case Dtype::bf16:
      return 0x1p-126;
  }
  return 0.0;
}

// Smallest positive subnormal value 2^(min_exponent - digits + 1).
constexpr double smallest_subnormal(Dtype dtype) {
  switch (dtype) {
    case Dtype::f64:
      return 0x1p-1074;
    case Dtype::f32:
      return 0x1p-149;
    case Dtype::f16:
      return 0x1p-24;
    case Dtype::bf16:
      return 0x1p-133;
  }
  return 0.0;
}

}  // namespace bnconf::ieee
