// Bounds of the gradients: through batch statistics (backward_train) and with frozen statistics
// (backward_eval).
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "tolerance_model.hpp"

namespace bnconf::conformance::tolerance_model {
namespace {

// Per channel: D = sum dy, G = sum dy x_hat (= dweight) and their first-order errors
//   e_D = g u sum|dy|
//   e_G = s e_center |D| + r_invstd |G| + sum |dy_i| s u (|x_i| + |center|)
//         + (g+1) u sum |dy_i x_hat_i|
// The center's error shifts every x_hat_i by the same s e_center, so it enters through the signed
// sum D (sum dy_i (x_i - c~) = sum dy_i (x_i - mu) - (c~ - mu) D, whatever the evaluation order);
// invstd's error scales G as a whole; only the roundings are per element.
struct GradSums {
  double d = 0, abs_d = 0, gsum = 0, abs_g = 0, rounding = 0;
  double e_d = 0, e_g = 0;
};

std::vector<GradSums> grad_sums(const double* x, const double* dy, const Geometry& g,
                                const std::vector<Normaliser>& norms, const Precision& p) {
  std::vector<GradSums> s(g.c);
  for (std::size_t i = 0; i < g.size(); ++i) {
    const std::size_t c = g.channel(i);
    const Normaliser& n = norms[c];
    const double xhat = (x[i] - n.center) * n.invstd;
    s[c].d += dy[i];
    s[c].abs_d += std::fabs(dy[i]);
    s[c].gsum += dy[i] * xhat;
    s[c].abs_g += std::fabs(dy[i] * xhat);
    s[c].rounding += std::fabs(dy[i]) * xhat_rounding(x[i], n, p);
  }
  const auto m = static_cast<double>(g.m());
  const auto x_repeats = largest_repeats(x, g), dy_repeats = largest_repeats(dy, g);
  for (std::size_t c = 0; c < g.c; ++c) {
    const double gm = growth(g.m()) + repeated_growth(std::max(x_repeats[c], dy_repeats[c]));
    GradSums& t = s[c];
    const Normaliser& n = norms[c];
    t.e_d = gm * p.u * t.abs_d + gm * p.eta;
    // Underflow: each of the M products dy_i (x_i - c) may round by eta / 2 among the
    // subnormals and then be scaled by s (sum dy (x - c) times s, as PyTorch's CPU kernel
    // orders it), so M (s + 1) eta rather than g(M) eta.
    t.e_g = n.invstd * n.e_center * std::fabs(t.d) + n.r_invstd * std::fabs(t.gsum) + t.rounding +
            (gm + 1.0) * p.u * t.abs_g + m * (n.invstd + 1.0) * p.eta;
  }
  return s;
}

void add_weight_grad_bounds(Bounds& b, const Case& c, const std::vector<GradSums>& sums,
                            const Precision& p) {
  if (!c.spec.spec.affine) return;
  const Array& dw = need(c.expected, "dweight", c);
  const Array& db = need(c.expected, "dbias", c);
  for (std::size_t ch = 0; ch < sums.size(); ++ch) {
    b["dweight"].push_back(
        finish(dw.values[ch], sums[ch].e_g + p.u * std::fabs(sums[ch].gsum), p.acc));
    b["dbias"].push_back(finish(db.values[ch], sums[ch].e_d + p.u * std::fabs(sums[ch].d), p.acc));
  }
}

}  // namespace

// dx_i = gamma s (dy_i - B - x_hat_i K), B = D/M, K = G/M:
//   |d dx_i| <= |gamma| s [ e_D/M + u|B| + |d x_hat_i| |K| + |x_hat_i| (e_G/M + u|K|)
//                           + 3 u (|dy_i| + |B| + |x_hat_i K|) ]
//               + |dx_i| (r_invstd + 2u) + u_out |dx_i|
Bounds backward_train_bounds(const Case& c, const Precision& p) {
  const Array& x = need(c.inputs, "x", c);
  const Array& dy = need(c.inputs, "dy", c);
  const Array& dx = need(c.expected, "dx", c);
  const Geometry g = geometry_of(x.shape);
  const Affine a = affine_of(c, g.c);
  std::vector<Normaliser> norms;
  for (const auto& m : moments_of(x.values.data(), g)) {
    norms.push_back(batch_model(m, c.spec.spec.eps, p).norm);
  }
  const auto sums = grad_sums(x.values.data(), dy.values.data(), g, norms, p);
  const auto mm = static_cast<double>(std::max<std::size_t>(g.m(), 1));
  Bounds b;
  auto& out = b["dx"];
  for (std::size_t i = 0; i < g.size(); ++i) {
    const std::size_t ch = g.channel(i);
    const Normaliser& n = norms[ch];
    const GradSums& t = sums[ch];
    const double xhat = (x.values[i] - n.center) * n.invstd;
    const double bm = t.d / mm, k = t.gsum / mm;
    const double inner =
        t.e_d / mm + p.u * std::fabs(bm) + xhat_error(x.values[i], n, p) * std::fabs(k) +
        std::fabs(xhat) * (t.e_g / mm + p.u * std::fabs(k)) +
        3.0 * p.u * (std::fabs(dy.values[i]) + std::fabs(bm) + std::fabs(xhat * k));
    const double e = std::fabs(a.gamma[ch]) * n.invstd * inner +
                     std::fabs(dx.values[i]) * (n.r_invstd + 2.0 * p.u) +
                     p.u_out * std::fabs(dx.values[i]);
    out.push_back(finish(dx.values[i], e, p.out));
  }
  add_weight_grad_bounds(b, c, sums, p);
  return b;
}

// Frozen statistics: dx_i = dy_i gamma / sqrt(rv + eps): 5 u relative (add, sqrt, divide, two
// products) plus the rounding to the dtype. dweight and dbias as above with x_hat from the
// running statistics.
Bounds backward_eval_bounds(const Case& c, const Precision& p) {
  if (!c.spec.spec.track_running_stats) return backward_train_bounds(c, p);
  const Array& x = need(c.inputs, "x", c);
  const Array& dy = need(c.inputs, "dy", c);
  const Array& dx = need(c.expected, "dx", c);
  const Geometry g = geometry_of(x.shape);
  const auto running = initial_running(c, g.c);
  const auto norms = eval_normalisers(c, x.values.data(), g, running, p);
  Bounds b;
  auto& out = b["dx"];
  for (std::size_t i = 0; i < g.size(); ++i) {
    const double e = (5.0 * p.u + p.u_out) * std::fabs(dx.values[i]);
    out.push_back(finish(dx.values[i], e, p.out));
  }
  add_weight_grad_bounds(b, c, grad_sums(x.values.data(), dy.values.data(), g, norms, p), p);
  return b;
}

}  // namespace bnconf::conformance::tolerance_model
