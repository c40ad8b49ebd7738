// exp(x) from basic IEEE operations only, so that the seed pipeline's trace is the same on
// every platform (libm's exp is not required to be correctly rounded and differs between
// versions).
//
// x = k ln2 + r with k = nearest integer to x / ln2 and |r| <= ln2 / 2; ln2 is split so that
// k * kLn2High is exact for |k| < 2^11; exp(r) by its Taylor series to degree 16 (remainder
// below 2^-60 for |r| <= 0.35), evaluated by Horner's rule; exp(x) = 2^k exp(r) with ldexp
// (exact). Accuracy about 2 ulp, which the scenario does not depend on; determinism is the point.
#pragma once

namespace bnconf::ieee {

double portable_exp(double x);

}  // namespace bnconf::ieee
