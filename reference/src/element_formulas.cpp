#include "element_formulas.hpp"

#include <cmath>

namespace bnconf::reference::detail {

[[gnu::noinline]] double transform_element(double x, const ChannelTransform& t) {
  // x - centre = d.hi + (d.lo - centre.lo), exact up to the rounding of the last term.
  const numerics::DoubleDouble d = numerics::two_sum(x, -t.centre.hi);
  const double d_lo = d.lo - t.centre.lo;
  // scale * (x - centre) + shift
  const numerics::DoubleDouble product = numerics::two_prod(t.scale.hi, d.hi);
  const numerics::DoubleDouble sum = numerics::two_sum(product.hi, t.shift);
  // A non-finite leading part is the IEEE result; the low-order terms would only turn an
  // infinity into NaN (inf - inf).
  return std::isfinite(sum.hi)
             ? sum.hi + (sum.lo + product.lo + t.scale.hi * d_lo + t.scale.lo * d.hi)
             : sum.hi;
}

[[gnu::noinline]] double backward_element(double x, double dy, const BackwardCoefficients& co) {
  // dev = x - mean = dev.hi + dev_lo
  const numerics::DoubleDouble dev = numerics::two_sum(x, -co.centre);
  const double dev_lo = dev.lo - co.mean_lo;
  // t = dy - b - dev * k, gathered as t.hi + t_lo
  const numerics::DoubleDouble dy_minus_b = numerics::two_sum(dy, -co.b.hi);
  const numerics::DoubleDouble dev_k = numerics::two_prod(dev.hi, co.k.hi);
  const numerics::DoubleDouble t = numerics::two_sum(dy_minus_b.hi, -dev_k.hi);
  const double t_lo =
      t.lo + dy_minus_b.lo - co.b.lo - dev_k.lo - dev.hi * co.k.lo - dev_lo * co.k.hi;
  const numerics::DoubleDouble t_norm = numerics::two_sum(t.hi, t_lo);
  // dx = a * t
  const numerics::DoubleDouble product = numerics::two_prod(co.a.hi, t_norm.hi);
  // Non-finite leading parts are the IEEE result (see transform_element).
  return std::isfinite(product.hi) && std::isfinite(t.hi)
             ? product.hi + (product.lo + co.a.hi * t_norm.lo + co.a.lo * t_norm.hi)
             : co.a.hi * (t.hi + t_lo);
}

[[gnu::noinline]] double scale_element(double dy, numerics::DoubleDouble a) {
  const numerics::DoubleDouble product = numerics::two_prod(a.hi, dy);
  return std::isfinite(product.hi) ? product.hi + (product.lo + a.lo * dy) : product.hi;
}

}  // namespace bnconf::reference::detail
