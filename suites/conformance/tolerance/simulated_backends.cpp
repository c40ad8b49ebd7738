#include "simulated_backends.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "bnconf/cases/driver.hpp"
#include "bnconf/cases/tensor_arrays.hpp"
#include "bnconf/conformance/judge.hpp"
#include "bnconf/ieee/rounding.hpp"
#include "bnconf/reference/batch_norm.hpp"

namespace bnconf::tolerance_testing {
namespace {

namespace ref = bnconf::reference;
using cases::CaseSpec;
using cases::Operation;
using ieee::Dtype;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Geometry {
  std::size_t n = 0, c = 0, s = 1;
  std::size_t m() const { return n * s; }
  std::size_t size() const { return n * c * s; }
  std::size_t channel(std::size_t i) const { return (i / s) % c; }
};

Geometry geometry_of(const std::vector<std::size_t>& shape) {
  Geometry g{shape.at(0), shape.at(1), 1};
  for (std::size_t k = 2; k < shape.size(); ++k) g.s *= shape[k];
  return g;
}

// Indices of channel c's elements, in logical order.
std::vector<std::size_t> channel_indices(const Geometry& g, std::size_t c) {
  std::vector<std::size_t> idx;
  idx.reserve(g.m());
  for (std::size_t n = 0; n < g.n; ++n) {
    for (std::size_t s = 0; s < g.s; ++s) idx.push_back((n * g.c + c) * g.s + s);
  }
  return idx;
}

Array round_array(Array a, Dtype dtype) {
  for (double& v : a.values) v = ieee::round_to(v, dtype);
  return a;
}

// ------------------------------------------------------------------------------------------
// The reference, rounded to the dtype.

class RoundedReference final : public SimulatedBackend {
 public:
  explicit RoundedReference(ChannelRounding rounding) : rounding_(rounding) {}
  std::string name() const override {
    switch (rounding_) {
      case ChannelRounding::none:
        return "reference rounded to the dtype";
      case ChannelRounding::accumulation:
        return "reference rounded, per-channel outputs rounded to float";
      case ChannelRounding::dtype:
        return "reference rounded, per-channel outputs rounded to the dtype";
    }
    return "?";
  }

  cases::TrainOutputs forward_train(const CaseSpec& c, const Array& x, const cases::Affine& p,
                                    const std::optional<cases::Running>& running) override {
    const auto r = ref::forward_train(c.spec, tensor(x), affine(p), to_ref(running));
    cases::TrainOutputs out{round_array(cases::to_array(r.y), c.dtype),
                            channel(r.batch_mean, c.dtype), channel(r.batch_var, c.dtype),
                            channel(r.saved_invstd, c.dtype), std::nullopt};
    if (r.running) {
      out.running =
          cases::Running{channel(r.running->mean, c.dtype), channel(r.running->var, c.dtype),
                         r.running->num_batches_tracked};
    }
    return out;
  }
  Array forward_eval(const CaseSpec& c, const Array& x, const cases::Affine& p,
                     const std::optional<cases::Running>& running) override {
    return round_array(
        cases::to_array(ref::forward_eval(c.spec, tensor(x), affine(p), to_ref(running))), c.dtype);
  }
  cases::Gradients backward_train(const CaseSpec& c, const Array& x, const Array& dy,
                                  const cases::Affine& p) override {
    return grads(ref::backward_train(c.spec, tensor(x), tensor(dy), affine(p)), c.dtype);
  }
  cases::Gradients backward_eval(const CaseSpec& c, const Array& x, const Array& dy,
                                 const cases::Affine& p,
                                 const std::optional<cases::Running>& running) override {
    return grads(ref::backward_eval(c.spec, tensor(x), tensor(dy), affine(p), to_ref(running)),
                 c.dtype);
  }

 private:
  static ref::Tensor tensor(const Array& a) {
    return cases::to_tensor(a, ref::Layout::channels_first);
  }
  static ref::ChannelVector vec(const std::vector<double>& v) {
    return cases::to_channel_vector(Array::vector(v));
  }
  static ref::AffineParams affine(const cases::Affine& p) { return {vec(p.weight), vec(p.bias)}; }
  static std::optional<ref::RunningStats> to_ref(const std::optional<cases::Running>& r) {
    if (!r) return std::nullopt;
    return ref::RunningStats{vec(r->mean), vec(r->var), r->num_batches_tracked};
  }
  std::vector<double> channel(const ref::ChannelVector& v, Dtype dtype) const {
    std::vector<double> out(v.begin(), v.end());
    const Dtype to = rounding_ == ChannelRounding::dtype
                         ? dtype
                         : (dtype == Dtype::f64 ? Dtype::f64 : Dtype::f32);
    if (rounding_ != ChannelRounding::none) {
      for (double& x : out) x = ieee::round_to(x, to);
    }
    return out;
  }
  cases::Gradients grads(const ref::BackwardResult& r, Dtype dtype) const {
    return {round_array(cases::to_array(r.dx), dtype), channel(r.dweight, dtype),
            channel(r.dbias, dtype)};
  }
  ChannelRounding rounding_;
};

// ------------------------------------------------------------------------------------------
// The float re-implementation, in precision T (float, or double for f64 cases).

template <typename T>
class FloatEngine {
 public:
  FloatEngine(const FloatOptions& o, const CaseSpec& c) : o_(o), c_(c) {}

  // Sum of v by the configured method, in T.
  T sum(const std::vector<T>& v) const {
    if (o_.nan_not_propagated) {
      std::vector<T> finite;
      for (T x : v) {
        if (std::isfinite(x)) finite.push_back(x);
      }
      return sum_of(finite);
    }
    return sum_of(v);
  }

  T sum_of(const std::vector<T>& v) const {
    switch (o_.summation) {
      case Summation::pairwise:
        return pairwise(v.data(), v.size());
      case Summation::sequential: {
        T s = 0;
        for (T x : v) s += x;
        return s;
      }
      case Summation::low_precision: {
        if (c_.dtype != Dtype::f16 && c_.dtype != Dtype::bf16) return pairwise(v.data(), v.size());
        T s = 0;
        for (T x : v) s = static_cast<T>(ieee::round_to(static_cast<double>(s + x), c_.dtype));
        return s;
      }
    }
    return 0;
  }

  T eps() const {
    double e = c_.spec.eps;
    if (o_.clamp_eps) e = std::max(e, 1.001e-5);
    return static_cast<T>(e);
  }

  struct Stats {
    T mean = 0, var = 0, invstd = 0;
  };

  Stats batch_stats(const std::vector<T>& xs) const {
    Stats s;
    const auto m = static_cast<T>(xs.size());
    if (xs.empty()) return {static_cast<T>(kNaN), static_cast<T>(kNaN), static_cast<T>(kNaN)};
    s.mean = sum(xs) / m;
    std::vector<T> sq(xs.size());
    if (o_.one_pass_variance) {
      for (std::size_t i = 0; i < xs.size(); ++i) sq[i] = xs[i] * xs[i];
      s.var = sum(sq) / m - s.mean * s.mean;
    } else {
      for (std::size_t i = 0; i < xs.size(); ++i) {
        const T d = xs[i] - s.mean;
        sq[i] = d * d;
      }
      s.var = sum(sq) / m;
    }
    T vn = s.var;
    if (o_.unbiased_normalisation && xs.size() > 1) vn = vn * m / (m - 1);
    const T v = vn + eps();
    if (v == 0) {
      s.invstd = 0;  // the zero rule
    } else if (o_.eps_outside_sqrt) {
      s.invstd = 1 / (std::sqrt(vn) + eps());
    } else {
      s.invstd = 1 / std::sqrt(v);
    }
    return s;
  }

  std::pair<T, T> weights(std::int64_t counter_after) const {
    const auto& spec = c_.spec;
    T w_old, w_batch;
    if (!spec.momentum) {
      w_batch = 1 / static_cast<T>(counter_after);
      w_old = 1 - w_batch;
    } else {
      const auto m = static_cast<T>(*spec.momentum);
      if (spec.momentum_convention == ref::MomentumConvention::weights_batch) {
        w_old = 1 - m, w_batch = m;
      } else {
        w_old = m, w_batch = 1 - m;
      }
    }
    if (o_.swapped_momentum) std::swap(w_old, w_batch);
    return {w_old, w_batch};
  }

  T estimator(std::size_t m) const {
    const auto mm = static_cast<T>(m);
    if (o_.biased_running_var) return 1;
    switch (c_.spec.running_var_estimator) {
      case ref::RunningVarEstimator::unbiased:
        return mm / (mm - 1);
      case ref::RunningVarEstimator::unbiased_clamped:
        return mm / std::max<T>(mm - 1, 1);
      case ref::RunningVarEstimator::population:
        return 1;
    }
    return 1;
  }

  static T gamma(const cases::Affine& p, std::size_t c) {
    return p.weight.empty() ? T(1) : static_cast<T>(p.weight[c]);
  }
  static T beta(const cases::Affine& p, std::size_t c) {
    return p.bias.empty() ? T(0) : static_cast<T>(p.bias[c]);
  }

  std::vector<T> gather(const Array& a, const std::vector<std::size_t>& idx) const {
    std::vector<T> v(idx.size());
    for (std::size_t k = 0; k < idx.size(); ++k) v[k] = static_cast<T>(a.values[idx[k]]);
    return v;
  }

  double out(T v) const { return ieee::round_to(static_cast<double>(v), c_.dtype); }

 private:
  T pairwise(const T* v, std::size_t n) const {
    if (n == 0) return 0;
    if (n == 1) return v[0];
    const std::size_t h = n / 2;
    return pairwise(v, h) + pairwise(v + h, n - h);
  }
  const FloatOptions& o_;
  const CaseSpec& c_;
};

template <typename T>
class FloatBackend {
 public:
  FloatBackend(const FloatOptions& o, const CaseSpec& c) : o_(o), e_(o, c), c_(c) {}

  cases::TrainOutputs forward_train(const Array& x, const cases::Affine& p,
                                    const std::optional<cases::Running>& running) const {
    const Geometry g = geometry_of(x.shape);
    cases::TrainOutputs out{
        Array{x.shape, std::vector<double>(x.values.size())}, {}, {}, {}, running};
    if (out.running) out.running->num_batches_tracked += 1;
    for (std::size_t ch = 0; ch < g.c; ++ch) {
      const auto idx = channel_indices(g, ch);
      const std::vector<T> xs = e_.gather(x, idx);
      const auto st = e_.batch_stats(xs);
      for (std::size_t k = 0; k < idx.size(); ++k) {
        out.y.values[idx[k]] =
            e_.out(e_.gamma(p, ch) * ((xs[k] - st.mean) * st.invstd) + e_.beta(p, ch));
      }
      out.batch_mean.push_back(static_cast<double>(st.mean));
      out.batch_var.push_back(static_cast<double>(st.var));
      out.saved_invstd.push_back(static_cast<double>(st.invstd));
      if (out.running && !idx.empty()) {
        const auto [w_old, w_batch] = e_.weights(out.running->num_batches_tracked);
        const T rm = static_cast<T>(out.running->mean[ch]);
        const T rv = static_cast<T>(out.running->var[ch]);
        const T bv = st.var * e_.estimator(idx.size());
        out.running->mean[ch] = static_cast<double>(w_old * rm + w_batch * st.mean);
        out.running->var[ch] = static_cast<double>(w_old * rv + w_batch * bv);
      }
    }
    return out;
  }

  Array forward_eval(const Array& x, const cases::Affine& p,
                     const std::optional<cases::Running>& running) const {
    if (!running) return forward_train(x, p, std::nullopt).y;
    const Geometry g = geometry_of(x.shape);
    Array y{x.shape, std::vector<double>(x.values.size())};
    for (std::size_t i = 0; i < g.size(); ++i) {
      const std::size_t ch = g.channel(i);
      const T s = 1 / std::sqrt(static_cast<T>(running->var[ch]) + e_.eps());
      const T xhat = (static_cast<T>(x.values[i]) - static_cast<T>(running->mean[ch])) * s;
      y.values[i] = e_.out(e_.gamma(p, ch) * xhat + e_.beta(p, ch));
    }
    return y;
  }

  cases::Gradients backward_train(const Array& x, const Array& dy, const cases::Affine& p) const {
    const Geometry g = geometry_of(x.shape);
    cases::Gradients out{Array{x.shape, std::vector<double>(x.values.size())}, {}, {}};
    for (std::size_t ch = 0; ch < g.c; ++ch) {
      const auto idx = channel_indices(g, ch);
      const std::vector<T> xs = e_.gather(x, idx), dys = e_.gather(dy, idx);
      const auto st = e_.batch_stats(xs);
      std::vector<T> xhat(idx.size()), prod(idx.size());
      for (std::size_t k = 0; k < idx.size(); ++k) {
        xhat[k] = (xs[k] - st.mean) * st.invstd;
        prod[k] = dys[k] * xhat[k];
      }
      const T sum_dy = e_.sum(dys), sum_dyx = e_.sum(prod);
      const auto m = static_cast<T>(std::max<std::size_t>(idx.size(), 1));
      const T mean_dy = o_.drop_mean_dy ? T(0) : sum_dy / m;
      const T k_term = o_.drop_xhat_term ? T(0) : sum_dyx / m;
      const T a = e_.gamma(p, ch) * st.invstd;
      for (std::size_t k = 0; k < idx.size(); ++k) {
        out.dx.values[idx[k]] = e_.out(a * (dys[k] - mean_dy - xhat[k] * k_term));
      }
      if (!p.weight.empty()) {
        out.dweight.push_back(static_cast<double>(sum_dyx));
        out.dbias.push_back(static_cast<double>(sum_dy));
      }
    }
    return out;
  }

  cases::Gradients backward_eval(const Array& x, const Array& dy, const cases::Affine& p,
                                 const std::optional<cases::Running>& running) const {
    if (!running || o_.eval_backward_batch_stats) return backward_train(x, dy, p);
    const Geometry g = geometry_of(x.shape);
    cases::Gradients out{Array{x.shape, std::vector<double>(x.values.size())}, {}, {}};
    for (std::size_t ch = 0; ch < g.c; ++ch) {
      const auto idx = channel_indices(g, ch);
      const std::vector<T> xs = e_.gather(x, idx), dys = e_.gather(dy, idx);
      const T s = 1 / std::sqrt(static_cast<T>(running->var[ch]) + e_.eps());
      const T rm = static_cast<T>(running->mean[ch]);
      const T a = e_.gamma(p, ch) * s;
      std::vector<T> prod(idx.size());
      for (std::size_t k = 0; k < idx.size(); ++k) {
        out.dx.values[idx[k]] = e_.out(dys[k] * a);
        prod[k] = dys[k] * ((xs[k] - rm) * s);
      }
      if (!p.weight.empty()) {
        out.dweight.push_back(static_cast<double>(e_.sum(prod)));
        out.dbias.push_back(static_cast<double>(e_.sum(dys)));
      }
    }
    return out;
  }

 private:
  const FloatOptions& o_;
  FloatEngine<T> e_;
  const CaseSpec& c_;
};

// PyTorch CPU's scheme: statistics accumulated in double, then the affine step fused as
// y = x * alpha + (beta - mean * alpha) and the backward as
// dx = (dy - mean(dy) - (x - mean) * k) * gamma * invstd, elementwise in T.
template <typename T>
class TorchLikeBackend {
 public:
  explicit TorchLikeBackend(const CaseSpec& c) : c_(c) {}

  struct Stats {
    double mean = kNaN, var = kNaN, invstd = kNaN;
  };
  Stats stats(const Array& x, const std::vector<std::size_t>& idx) const {
    Stats s;
    if (idx.empty()) return s;
    double sum = 0, sq = 0;
    for (std::size_t i : idx) sum += x.values[i];
    s.mean = sum / static_cast<double>(idx.size());
    for (std::size_t i : idx) sq += (x.values[i] - s.mean) * (x.values[i] - s.mean);
    s.var = sq / static_cast<double>(idx.size());
    const double v = s.var + c_.spec.eps;
    s.invstd = v == 0 ? 0.0 : 1.0 / std::sqrt(v);
    return s;
  }
  double to_dtype(T v) const { return ieee::round_to(static_cast<double>(v), c_.dtype); }
  static T gamma(const cases::Affine& p, std::size_t c) {
    return p.weight.empty() ? T(1) : static_cast<T>(p.weight[c]);
  }
  static T beta(const cases::Affine& p, std::size_t c) {
    return p.bias.empty() ? T(0) : static_cast<T>(p.bias[c]);
  }
  static double narrow(double v) { return static_cast<double>(static_cast<T>(v)); }

  cases::TrainOutputs forward_train(const Array& x, const cases::Affine& p,
                                    const std::optional<cases::Running>& running) const {
    const Geometry g = geometry_of(x.shape);
    cases::TrainOutputs out{
        Array{x.shape, std::vector<double>(x.values.size())}, {}, {}, {}, running};
    if (out.running) out.running->num_batches_tracked += 1;
    for (std::size_t ch = 0; ch < g.c; ++ch) {
      const auto idx = channel_indices(g, ch);
      const Stats st = stats(x, idx);
      const T alpha = static_cast<T>(st.invstd) * gamma(p, ch);
      const T shift = beta(p, ch) - static_cast<T>(st.mean) * alpha;
      for (std::size_t i : idx)
        out.y.values[i] = to_dtype(static_cast<T>(x.values[i]) * alpha + shift);
      out.batch_mean.push_back(narrow(st.mean));
      out.batch_var.push_back(narrow(st.var));
      out.saved_invstd.push_back(narrow(st.invstd));
      if (out.running && !idx.empty()) {
        const auto& spec = c_.spec;
        const double counter = static_cast<double>(out.running->num_batches_tracked);
        double w_old, w_batch;
        if (!spec.momentum) {
          w_batch = 1.0 / counter, w_old = 1.0 - w_batch;
        } else if (spec.momentum_convention == ref::MomentumConvention::weights_batch) {
          w_old = 1.0 - *spec.momentum, w_batch = *spec.momentum;
        } else {
          w_old = *spec.momentum, w_batch = 1.0 - *spec.momentum;
        }
        const double mm = static_cast<double>(idx.size());
        double f = 1.0;
        if (spec.running_var_estimator == ref::RunningVarEstimator::unbiased) f = mm / (mm - 1.0);
        if (spec.running_var_estimator == ref::RunningVarEstimator::unbiased_clamped) {
          f = mm / std::max(mm - 1.0, 1.0);
        }
        out.running->mean[ch] = narrow(w_old * out.running->mean[ch] + w_batch * st.mean);
        out.running->var[ch] = narrow(w_old * out.running->var[ch] + w_batch * st.var * f);
      }
    }
    return out;
  }

  Array forward_eval(const Array& x, const cases::Affine& p,
                     const std::optional<cases::Running>& running) const {
    if (!running) return forward_train(x, p, std::nullopt).y;
    const Geometry g = geometry_of(x.shape);
    Array y{x.shape, std::vector<double>(x.values.size())};
    for (std::size_t i = 0; i < g.size(); ++i) {
      const std::size_t ch = g.channel(i);
      const T invstd =
          1 / std::sqrt(static_cast<T>(running->var[ch]) + static_cast<T>(c_.spec.eps));
      const T alpha = invstd * gamma(p, ch);
      const T shift = beta(p, ch) - static_cast<T>(running->mean[ch]) * alpha;
      y.values[i] = to_dtype(static_cast<T>(x.values[i]) * alpha + shift);
    }
    return y;
  }

  cases::Gradients backward_train(const Array& x, const Array& dy, const cases::Affine& p) const {
    const Geometry g = geometry_of(x.shape);
    cases::Gradients out{Array{x.shape, std::vector<double>(x.values.size())}, {}, {}};
    for (std::size_t ch = 0; ch < g.c; ++ch) {
      const auto idx = channel_indices(g, ch);
      const Stats st = stats(x, idx);
      double sum = 0, dot = 0;
      for (std::size_t i : idx) {
        sum += dy.values[i];
        dot += (x.values[i] - st.mean) * dy.values[i];
      }
      const double mm = static_cast<double>(std::max<std::size_t>(idx.size(), 1));
      const auto k = static_cast<T>(dot * st.invstd * st.invstd / mm);
      const auto grad_mean = static_cast<T>(sum / mm);
      const auto mean = static_cast<T>(st.mean);
      const T w_invstd = static_cast<T>(st.invstd) * gamma(p, ch);
      for (std::size_t i : idx) {
        const auto xi = static_cast<T>(x.values[i]), dyi = static_cast<T>(dy.values[i]);
        out.dx.values[i] = to_dtype((dyi - grad_mean - (xi - mean) * k) * w_invstd);
      }
      if (!p.weight.empty()) {
        // An empty batch: PyTorch's empty-input path differentiates y = x * w + b, a sum over
        // no elements (0), where dot * invstd would be 0 * NaN.
        out.dweight.push_back(idx.empty() ? 0.0 : narrow(dot * st.invstd));
        out.dbias.push_back(narrow(sum));
      }
    }
    return out;
  }

  cases::Gradients backward_eval(const Array& x, const Array& dy, const cases::Affine& p,
                                 const std::optional<cases::Running>& running) const {
    if (!running) return backward_train(x, dy, p);
    const Geometry g = geometry_of(x.shape);
    cases::Gradients out{Array{x.shape, std::vector<double>(x.values.size())}, {}, {}};
    for (std::size_t ch = 0; ch < g.c; ++ch) {
      const auto idx = channel_indices(g, ch);
      const double invstd = 1.0 / std::sqrt(running->var[ch] + c_.spec.eps);
      const T w_invstd = static_cast<T>(invstd) * gamma(p, ch);
      double sum = 0, dot = 0;
      for (std::size_t i : idx) {
        out.dx.values[i] = to_dtype(static_cast<T>(dy.values[i]) * w_invstd);
        sum += dy.values[i];
        dot += (x.values[i] - running->mean[ch]) * dy.values[i];
      }
      if (!p.weight.empty()) {
        out.dweight.push_back(narrow(dot * invstd));
        out.dbias.push_back(narrow(sum));
      }
    }
    return out;
  }

 private:
  const CaseSpec& c_;
};

// Dispatches on the case's precision: double for f64, float otherwise.
class FloatFamily final : public SimulatedBackend {
 public:
  FloatFamily(std::string name, const FloatOptions& o) : name_(std::move(name)), o_(o) {}
  std::string name() const override { return name_; }

  cases::TrainOutputs forward_train(const CaseSpec& c, const Array& x, const cases::Affine& p,
                                    const std::optional<cases::Running>& running) override {
    return dispatch(c, [&](const auto& b) { return b.forward_train(x, p, running); });
  }
  Array forward_eval(const CaseSpec& c, const Array& x, const cases::Affine& p,
                     const std::optional<cases::Running>& running) override {
    return dispatch(c, [&](const auto& b) { return b.forward_eval(x, p, running); });
  }
  cases::Gradients backward_train(const CaseSpec& c, const Array& x, const Array& dy,
                                  const cases::Affine& p) override {
    return dispatch(c, [&](const auto& b) { return b.backward_train(x, dy, p); });
  }
  cases::Gradients backward_eval(const CaseSpec& c, const Array& x, const Array& dy,
                                 const cases::Affine& p,
                                 const std::optional<cases::Running>& running) override {
    return dispatch(c, [&](const auto& b) { return b.backward_eval(x, dy, p, running); });
  }

 private:
  template <typename F>
  auto dispatch(const CaseSpec& c, F f) const
      -> decltype(f(std::declval<const FloatBackend<float>&>())) {
    if (o_.torch_like) {
      if (c.dtype == Dtype::f64) return f(TorchLikeBackend<double>(c));
      return f(TorchLikeBackend<float>(c));
    }
    if (c.dtype == Dtype::f64) return f(FloatBackend<double>(o_, c));
    return f(FloatBackend<float>(o_, c));
  }
  std::string name_;
  FloatOptions o_;
};

// Hands the inner engine every activation rounded to the case's dtype: what a backend of that
// dtype receives (the pipeline's activations and gradients are computed in double).
class DtypeInputs final : public cases::Engine {
 public:
  explicit DtypeInputs(cases::Engine& inner) : inner_(inner) {}
  cases::TrainOutputs forward_train(const CaseSpec& c, const Array& x, const cases::Affine& p,
                                    const std::optional<cases::Running>& running) override {
    return inner_.forward_train(c, round_array(x, c.dtype), p, running);
  }
  Array forward_eval(const CaseSpec& c, const Array& x, const cases::Affine& p,
                     const std::optional<cases::Running>& running) override {
    return inner_.forward_eval(c, round_array(x, c.dtype), p, running);
  }
  cases::Gradients backward_train(const CaseSpec& c, const Array& x, const Array& dy,
                                  const cases::Affine& p) override {
    return inner_.backward_train(c, round_array(x, c.dtype), round_array(dy, c.dtype), p);
  }
  cases::Gradients backward_eval(const CaseSpec& c, const Array& x, const Array& dy,
                                 const cases::Affine& p,
                                 const std::optional<cases::Running>& running) override {
    return inner_.backward_eval(c, round_array(x, c.dtype), round_array(dy, c.dtype), p, running);
  }

 private:
  cases::Engine& inner_;
};

}  // namespace

std::unique_ptr<SimulatedBackend> rounded_reference(ChannelRounding rounding) {
  return std::make_unique<RoundedReference>(rounding);
}

std::unique_ptr<SimulatedBackend> float_backend(const std::string& name, const FloatOptions& o) {
  return std::make_unique<FloatFamily>(name, o);
}

cases::Execution run_on(SimulatedBackend& backend, const cases::Case& c) {
  DtypeInputs engine(backend);
  return cases::run_case(c, engine);
}

Outputs outputs_of(SimulatedBackend& backend, const cases::Case& c) {
  const cases::Execution e = run_on(backend, c);
  if (!e.internal_error.empty()) throw std::runtime_error(c.spec.id + ": " + e.internal_error);
  if (e.status != cases::CallStatus::ok) throw std::runtime_error(c.spec.id + ": " + e.message);
  return e.outputs;
}

std::vector<OutputCheck> check_case(const cases::Case& c, const Outputs& actual) {
  cases::Execution execution;
  execution.outputs = actual;
  conformance::CaseResult result = conformance::new_result(c);
  conformance::judge_execution(c, execution, result);
  std::vector<OutputCheck> checks;
  for (const auto& o : result.outputs) {
    OutputCheck k;
    k.output = o.name;
    k.elements = o.elements;
    k.failures = o.out_of_bound;
    const double inf = std::numeric_limits<double>::infinity();
    if (!std::isfinite(o.bound)) {  // a marker of an open element: no distance to compare
      k.worst_ratio = o.passed ? 0.0 : inf;
    } else {
      k.worst_ratio = o.bound > 0 ? o.error / o.bound : (o.error > 0 || !o.passed ? inf : 0.0);
    }
    if (!o.passed && o.error <= o.bound) k.worst_ratio = std::numeric_limits<double>::infinity();
    k.worst_index = o.index;
    k.expected = o.expected;
    k.actual = o.actual;
    k.bound = o.bound;
    checks.push_back(k);
  }
  return checks;
}

}  // namespace bnconf::tolerance_testing
