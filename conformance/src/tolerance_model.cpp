// The tolerance model's primitives (tolerance_model.hpp): precision, error growth of sums,
// per-channel moments and batch statistics with their errors, the running-statistics recursion
// and one training step.
#include "tolerance_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace bnconf::conformance::tolerance_model {
namespace {

using reference::MomentumConvention;
using reference::RunningVarEstimator;

double estimator_factor(RunningVarEstimator estimator, std::size_t m) {
  const auto mm = static_cast<double>(m);
  switch (estimator) {
    case RunningVarEstimator::unbiased:
      return m > 1 ? mm / (mm - 1.0) : std::numeric_limits<double>::quiet_NaN();
    case RunningVarEstimator::unbiased_clamped:
      return mm / std::max(mm - 1.0, 1.0);
    case RunningVarEstimator::population:
      return 1.0;
  }
  return 1.0;
}

}  // namespace

Precision precision_of(Dtype dtype) {
  Precision p;
  p.out = dtype;
  p.acc = dtype == Dtype::f64 ? Dtype::f64 : Dtype::f32;
  p.u_out = ieee::unit_roundoff(p.out);
  p.u = ieee::unit_roundoff(p.acc);
  p.eta = ieee::smallest_subnormal(p.acc);
  return p;
}

double ulp(double v, Dtype dtype) {
  const double a = std::fabs(v);
  if (!(a >= ieee::smallest_normal(dtype))) return ieee::smallest_subnormal(dtype);
  return std::ldexp(1.0, std::ilogb(a) - ieee::mantissa_digits(dtype) + 1);
}

double growth(std::size_t m) {
  const auto mm = static_cast<double>(std::max<std::size_t>(m, 1));
  return std::ceil(std::log2(mm)) + 2.0 + 0.25 * std::sqrt(mm);
}

double undetermined_past_one(double relative_error) {
  return relative_error >= 1.0 ? std::numeric_limits<double>::infinity() : relative_error;
}

double repeated_growth(std::size_t repeats) {
  return repeats < 2 ? 0.0 : static_cast<double>(repeats) / 8.0;
}

std::vector<std::size_t> largest_repeats(const double* v, const Geometry& g) {
  std::vector<std::vector<double>> values(g.c);
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (std::isfinite(v[i])) values[g.channel(i)].push_back(v[i]);
  }
  std::vector<std::size_t> repeats(g.c, 1);
  for (std::size_t c = 0; c < g.c; ++c) {
    auto& vc = values[c];
    std::sort(vc.begin(), vc.end());
    for (std::size_t first = 0; first < vc.size();) {
      std::size_t last = first;
      while (last < vc.size() && vc[last] == vc[first]) ++last;
      repeats[c] = std::max(repeats[c], last - first);
      first = last;
    }
  }
  return repeats;
}

double finish(double expected, double first_order, Dtype floor_dtype) {
  // An unbounded error term (a quantity the model cannot determine: invstd where the variance's
  // error reaches var + eps), alone or met by a zero factor (inf * 0 = NaN): the element is open,
  // its expected value (finite or not) one of several a correct backend may give.
  // Non-finite expected values come from non-finite inputs: the same special value is required
  // (mark_open_elements relaxes this where rounding decides between them).
  if (!std::isfinite(expected)) return 0.0;
  if (!(first_order < std::numeric_limits<double>::infinity())) return kAnyValue;
  const double floor = kFloorUlps * ulp(expected, floor_dtype);
  return kSafety * first_order + floor;
}

Geometry geometry_of(const std::vector<std::size_t>& shape) {
  Geometry g;
  if (shape.size() < 2) throw std::invalid_argument("tolerance_bounds: activation rank < 2");
  g.n = shape[0];
  g.c = shape[1];
  for (std::size_t k = 2; k < shape.size(); ++k) g.s *= shape[k];
  return g;
}

std::vector<Moments> moments_of(const double* x, const Geometry& g) {
  std::vector<Moments> mo(g.c);
  std::vector<std::size_t> finite(g.c, 0);
  std::vector<double> sum(g.c, 0.0), abs_sum(g.c, 0.0), first(g.c, 0.0);
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (!std::isfinite(x[i])) continue;
    const std::size_t c = g.channel(i);
    if (finite[c] == 0) first[c] = x[i];
    if (x[i] != first[c]) mo[c].constant = false;
    ++finite[c];
    sum[c] += x[i];
    abs_sum[c] += std::fabs(x[i]);
  }
  std::vector<double> squares(g.c, 0.0);
  const auto repeats = largest_repeats(x, g);
  for (std::size_t c = 0; c < g.c; ++c) {
    mo[c].m = g.m();
    mo[c].repeats = repeats[c];
    if (finite[c] == 0) continue;
    const auto k = static_cast<double>(finite[c]);
    mo[c].mean = sum[c] / k;
    mo[c].abs_mean = abs_sum[c] / k;
  }
  // Two-pass variance in double: its relative error (~1e-13 even for |mean|/std = 1e8) is
  // immaterial for a bound.
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (!std::isfinite(x[i])) continue;
    const std::size_t c = g.channel(i);
    const double d = x[i] - mo[c].mean;
    squares[c] += d * d;
  }
  for (std::size_t c = 0; c < g.c; ++c) {
    if (finite[c] == 0) {
      mo[c].constant = false;
      continue;
    }
    mo[c].var = mo[c].constant ? 0.0 : squares[c] / static_cast<double>(finite[c]);
  }
  return mo;
}

BatchModel batch_model(const Moments& mo, double eps, const Precision& p) {
  BatchModel b;
  b.mo = mo;
  const double g = growth(mo.m) + repeated_growth(mo.repeats);
  const double sd = std::sqrt(mo.var);
  const double u = p.u;
  if (!mo.constant) {
    // Mean = fl(sum)/M: g(M) u mean|x| from the sum, u |mu| from the division, eta underflow.
    b.e_mean = g * u * mo.abs_mean + u * std::fabs(mo.mean) + p.eta;
    // Variance. Two-pass: (g+3) u var from the sum of squared rounded deviations, plus
    // e_mean^2 (the sum of squares about a wrong center grows by M e_mean^2). Welford / Chan
    // merges: g u kappa var with kappa = sqrt(1 + mu^2/var) <= (sd + |mu|)/sd. Both are covered
    // by (g+3) u sd (sd + |mu|) + e_mean^2. The one-pass E[x^2] - E[x]^2 has error
    // ~ u (sd + |mu|)^2 and is not covered: that is a defect on offset data.
    b.e_var =
        (g + 3.0) * u * sd * (sd + std::fabs(mo.mean)) + b.e_mean * b.e_mean + (g + 2.0) * p.eta;
  }
  // A constant channel: the mean of equal values is exact (Welford, double accumulation, and any
  // summation order when M * v fits the accumulator, as in every committed constant case), so
  // the variance is exactly 0. docs/tolerances.md, "Constant channels".
  b.norm.center = mo.mean;
  b.norm.e_center = b.e_mean;
  const double v = mo.var + eps;
  if (v > 0) {
    b.norm.invstd = 1.0 / std::sqrt(v);
    // s = 1/sqrt(var + eps): d s / s = -1/2 d var / (var + eps); plus the add, the square root
    // and the division (3 u). eps relative to var matters here: var << eps damps var's error.
    b.norm.r_invstd = undetermined_past_one(0.5 * b.e_var / v + 3.0 * u);
  }
  // v == 0 (constant channel, eps = 0): the zero rule, invstd = 0 exactly.
  return b;
}

Normaliser running_normaliser(double mean, double var, double e_mean, double e_var, double eps,
                              const Precision& p) {
  Normaliser n;
  n.center = mean;
  n.e_center = e_mean;
  const double v = var + eps;
  n.invstd = 1.0 / std::sqrt(v);  // inf for v == 0 (IEEE, as the reference): outputs special
  n.r_invstd = undetermined_past_one(3.0 * p.u + (e_var > 0 ? 0.5 * e_var / v : 0.0));
  return n;
}

// Relative: u (|x| + |center|) s whichever way (x - c) s is evaluated. Absolute: a product that
// lands among the subnormals rounds by up to eta / 2, not u of itself; x s - c s has two.
double xhat_rounding(double x, const Normaliser& n, const Precision& p) {
  return n.invstd * p.u * (std::fabs(x) + std::fabs(n.center)) + 2.0 * p.eta;
}

double xhat_error(double x, const Normaliser& n, const Precision& p) {
  const double xhat = (x - n.center) * n.invstd;
  return n.invstd * n.e_center + std::fabs(xhat) * n.r_invstd + xhat_rounding(x, n, p);
}

const Array* find(const std::map<std::string, Array>& arrays, const std::string& name) {
  const auto it = arrays.find(name);
  return it == arrays.end() ? nullptr : &it->second;
}

const Array& need(const std::map<std::string, Array>& arrays, const std::string& name,
                  const Case& c) {
  const Array* a = find(arrays, name);
  if (!a) throw std::invalid_argument("tolerance_bounds: case " + c.spec.id + " lacks " + name);
  return *a;
}

Affine affine_of(const Case& c, std::size_t channels) {
  Affine a{std::vector<double>(channels, 1.0), std::vector<double>(channels, 0.0)};
  if (c.spec.spec.affine) {
    a.gamma = need(c.inputs, "weight", c).values;
    a.beta = need(c.inputs, "bias", c).values;
  }
  return a;
}

void add_y_bounds(std::vector<double>& out, const double* x, const double* y_expected,
                  const Geometry& g, const std::vector<Normaliser>& norms, const Affine& a,
                  const Precision& p) {
  for (std::size_t i = 0; i < g.size(); ++i) {
    const std::size_t c = g.channel(i);
    const Normaliser& n = norms[c];
    const double xhat = (x[i] - n.center) * n.invstd;
    // An infinite scale gamma s (invstd = 1/sqrt(0): a zero variance with eps = 0; or an
    // infinite gamma) makes y NaN or an infinity, and which one is not determined: where the
    // centre carries rounding error x - c may compute as 0 or not, and the fused form
    // x * (gamma s) + (beta - c gamma s) gives inf - inf = NaN where (x - c) s gamma + beta gives
    // an infinity. Any non-finite value.
    if (std::isinf(n.invstd) || std::isinf(a.gamma[c])) {
      out.push_back(kAnyNonFinite);
      continue;
    }
    const double e = std::fabs(a.gamma[c]) * xhat_error(x[i], n, p) +
                     p.u * (std::fabs(a.gamma[c] * xhat) + std::fabs(a.beta[c])) +
                     p.u_out * std::fabs(y_expected[i]);
    out.push_back(finish(y_expected[i], e, p.out));
  }
}

std::pair<double, double> mixing_weights(const reference::BatchNormSpec& spec,
                                         double counter_after) {
  if (!spec.momentum) return {1.0 - 1.0 / counter_after, 1.0 / counter_after};
  const double m = *spec.momentum;
  if (spec.momentum_convention == MomentumConvention::weights_batch) return {1.0 - m, m};
  return {m, 1.0 - m};
}

void advance_running(RunningState& r, std::size_t ch, const BatchModel& bm, std::size_t m,
                     const reference::BatchNormSpec& spec, double w_old, double w_batch,
                     const Precision& p) {
  if (m == 0) return;  // an empty batch leaves the running statistics unchanged
  const double f = estimator_factor(spec.running_var_estimator, m);
  const double bv = f * bm.mo.var;
  r.e_mean[ch] = std::fabs(w_old) * r.e_mean[ch] + std::fabs(w_batch) * bm.e_mean +
                 3.0 * p.u * (std::fabs(r.mean[ch]) + std::fabs(bm.mo.mean));
  r.e_var[ch] = std::fabs(w_old) * r.e_var[ch] +
                std::fabs(w_batch) * (f * bm.e_var + 2.0 * p.u * bv) +
                3.0 * p.u * (std::fabs(r.var[ch]) + std::fabs(bv));
  r.mean[ch] = w_old * r.mean[ch] + w_batch * bm.mo.mean;
  r.var[ch] = w_old * r.var[ch] + w_batch * bv;
}

StepBounds train_step(const Case& c, const double* x, const Geometry& g, const Affine& a,
                      const double* y_expected, const double* mean_expected,
                      const double* var_expected, const double* invstd_expected,
                      const double* rm_expected, const double* rv_expected,
                      std::optional<RunningState>& running, const Precision& p) {
  const auto& spec = c.spec.spec;
  const std::vector<Moments> mo = moments_of(x, g);
  std::vector<BatchModel> models;
  std::vector<Normaliser> norms;
  for (const auto& m : mo) {
    models.push_back(batch_model(m, spec.eps, p));
    norms.push_back(models.back().norm);
  }
  StepBounds b;
  add_y_bounds(b.y, x, y_expected, g, norms, a, p);
  for (std::size_t ch = 0; ch < g.c; ++ch) {
    const BatchModel& bm = models[ch];
    if (mean_expected) b.batch_mean.push_back(finish(mean_expected[ch], bm.e_mean, p.acc));
    if (var_expected) {
      b.batch_var.push_back(finish(var_expected[ch], bm.e_var + p.u * bm.mo.var, p.acc));
    }
    if (invstd_expected) {
      b.saved_invstd.push_back(
          finish(invstd_expected[ch], bm.norm.invstd * bm.norm.r_invstd, p.acc));
    }
  }
  if (!running) return b;
  RunningState& r = *running;
  r.num_batches_tracked += 1;
  const auto [w_old, w_batch] = mixing_weights(spec, r.num_batches_tracked);
  for (std::size_t ch = 0; ch < g.c; ++ch) {
    advance_running(r, ch, models[ch], g.m(), spec, w_old, w_batch, p);
    if (rm_expected) r.mean[ch] = rm_expected[ch];
    if (rv_expected) r.var[ch] = rv_expected[ch];
    b.running_mean.push_back(finish(r.mean[ch], r.e_mean[ch], p.acc));
    b.running_var.push_back(finish(r.var[ch], r.e_var[ch], p.acc));
  }
  return b;
}

std::optional<RunningState> initial_running(const Case& c, std::size_t channels) {
  if (!c.spec.spec.track_running_stats) return std::nullopt;
  RunningState r;
  r.mean = need(c.inputs, "running_mean", c).values;
  r.var = need(c.inputs, "running_var", c).values;
  r.e_mean.assign(channels, 0.0);
  r.e_var.assign(channels, 0.0);
  if (const Array* n = find(c.inputs, "num_batches_tracked"); n && !n->values.empty()) {
    r.num_batches_tracked = n->values[0];
  }
  return r;
}

const double* data_or_null(const Case& c, const std::string& name) {
  const Array* a = find(c.expected, name);
  return a ? a->values.data() : nullptr;
}

void append(std::vector<double>& to, const std::vector<double>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

std::vector<Normaliser> eval_normalisers(const Case& c, const double* x, const Geometry& g,
                                         const std::optional<RunningState>& running,
                                         const Precision& p) {
  std::vector<Normaliser> norms;
  if (running) {
    for (std::size_t ch = 0; ch < g.c; ++ch) {
      norms.push_back(running_normaliser(running->mean[ch], running->var[ch], running->e_mean[ch],
                                         running->e_var[ch], c.spec.spec.eps, p));
    }
    return norms;
  }
  for (const auto& m : moments_of(x, g)) norms.push_back(batch_model(m, c.spec.spec.eps, p).norm);
  return norms;
}

}  // namespace bnconf::conformance::tolerance_model
