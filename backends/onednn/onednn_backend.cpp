// The oneDNN adapter: onednn_primitives.hpp runs oneDNN; this file maps the adapter ABI onto it.
//
// What oneDNN offers, and so what this backend declares (README.md):
// - f32, and bf16 where the CPU engine implements it (probed at load); no f64, and f16 only on
//   CPUs with native f16 arithmetic. Both layouts, ranks 2 to 5.
// - Training forward with batch statistics (batch mean and biased variance are oneDNN outputs),
//   inference with given statistics (use_global_stats) or with the batch's, backward through
//   batch statistics (prop_kind::backward after a training forward that yields them) and with
//   frozen statistics (use_global_stats).
// - No running statistics: oneDNN keeps none, and frameworks update them on top of it. The
//   backend declares GLOBAL_STATS but not RUNNING_STATS, so the runner judges y and the batch
//   statistics of training cases and reports their running statistics as not checked.
// - eps is a float in oneDNN: the case's eps is rounded to float (relative change <= 2^-24).
// - saved_invstd is not a oneDNN output; it is derived here as 1 / sqrt(variance + eps) in double
//   from oneDNN's variance (0 when variance + eps == 0, the ABI's rule).
#include <cmath>
#include <string>

#include "bnconf/adapter.hpp"
#include "onednn_primitives.hpp"

namespace bnconf::backends::onednn {
namespace {

using adapter::Unsupported;

Problem problem_of(const bnconf_params& params, const bnconf_tensor& x) {
  Problem p;
  p.shape.assign(x.shape, x.shape + x.rank);
  p.layout = static_cast<bnconf_layout>(x.layout);
  p.dtype = static_cast<bnconf_dtype>(x.dtype);
  // oneDNN's epsilon is a float: eps is rounded to it, as frameworks do when they call oneDNN.
  p.eps = static_cast<float>(params.eps);
  p.affine = params.affine != 0;
  return p;
}

Channels as_float(const bnconf_vector& v) {
  Channels values(static_cast<std::size_t>(v.length));
  for (std::size_t c = 0; c < values.size(); ++c) values[c] = static_cast<float>(v.data[c]);
  return values;
}

void write(const Channels& values, bnconf_vector_out out) {
  if (!out.data) return;
  for (std::size_t c = 0; c < values.size() && c < static_cast<std::size_t>(out.length); ++c)
    out.data[c] = values[c];
}

// oneDNN runs a zero-volume batch normalization as a no-op: the batch mean and variance outputs
// are left unwritten (whatever the buffers held), not NaN. Declining is the honest answer.
void require_elements(const bnconf_tensor& x) {
  if (adapter::element_count(x) == 0) {
    throw Unsupported(
        "oneDNN treats an empty tensor as a no-op and leaves the batch statistics unwritten");
  }
}

class OneDnnBackend final : public adapter::Backend {
 public:
  const char* name() const override { return "onednn"; }
  const char* version() const override {
    static const std::string text = version_text();
    return text.c_str();
  }

  bnconf_capabilities capabilities() const override {
    std::uint32_t dtypes = 0;
    for (bnconf_dtype d : {BNCONF_F32, BNCONF_BF16, BNCONF_F16}) {
      if (dtype_available(d)) dtypes |= 1u << d;
    }
    bnconf_capabilities c = adapter::full_capabilities(dtypes);
    c.conventions = 0;
    c.estimators = 0;
    c.features = BNCONF_FEATURE_SAVED_STATS | BNCONF_FEATURE_NO_AFFINE | BNCONF_FEATURE_UNTRACKED |
                 BNCONF_FEATURE_GLOBAL_STATS;
    return c;
  }

  void forward_train(const bnconf_params& params, const bnconf_tensor& x,
                     const bnconf_vector& weight, const bnconf_vector& bias,
                     const bnconf_running* running_in, bnconf_tensor_out y,
                     bnconf_vector_out batch_mean, bnconf_vector_out batch_var,
                     bnconf_vector_out saved_invstd, bnconf_running_out*) override {
    adapter::validate_call(params, x, nullptr, weight, bias, running_in,
                           adapter::Entry::forward_train);
    require_elements(x);
    const Problem p = problem_of(params, x);
    const auto stats = forward_training(p, x.data, y.data, as_float(weight), as_float(bias));
    write(stats.mean, batch_mean);
    write(stats.variance, batch_var);
    if (saved_invstd.data) {
      for (std::size_t c = 0; c < stats.variance.size(); ++c) {
        const double denominator = static_cast<double>(stats.variance[c]) + params.eps;
        saved_invstd.data[c] = denominator == 0 ? 0.0 : 1.0 / std::sqrt(denominator);
      }
    }
  }

  void forward_eval(const bnconf_params& params, const bnconf_tensor& x,
                    const bnconf_vector& weight, const bnconf_vector& bias,
                    const bnconf_running* running, bnconf_tensor_out y) override {
    adapter::validate_call(params, x, nullptr, weight, bias, running, adapter::Entry::forward_eval);
    require_elements(x);
    const Problem p = problem_of(params, x);
    if (params.track_running_stats) {
      const Channels mean = as_float(running->mean), variance = as_float(running->var);
      forward_inference(p, x.data, y.data, as_float(weight), as_float(bias), &mean, &variance);
    } else {
      forward_inference(p, x.data, y.data, as_float(weight), as_float(bias), nullptr, nullptr);
    }
  }

  void backward_train(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor& dy,
                      const bnconf_vector& weight, bnconf_tensor_out dx, bnconf_vector_out dweight,
                      bnconf_vector_out dbias) override {
    adapter::validate_call(params, x, &dy, weight, {}, nullptr, adapter::Entry::backward_train);
    require_elements(x);
    require_same_layout(x, dy);
    const Problem p = problem_of(params, x);
    const Channels scale = as_float(weight);
    // The batch statistics come from oneDNN's own training forward, as in a framework's
    // forward-then-backward step; its y is not needed.
    std::vector<unsigned char> y(adapter::element_count(x) * element_size(p.dtype));
    const auto stats = forward_training(p, x.data, y.data(), scale, Channels(scale.size()));
    const auto grads = backward(p, x.data, dy.data, dx.data, scale, stats.mean, stats.variance,
                                /*global_stats=*/false);
    write(grads.diff_scale, dweight);
    write(grads.diff_shift, dbias);
  }

  void backward_eval(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor& dy,
                     const bnconf_vector& weight, const bnconf_running* running,
                     bnconf_tensor_out dx, bnconf_vector_out dweight,
                     bnconf_vector_out dbias) override {
    if (!params.track_running_stats) {
      return backward_train(params, x, dy, weight, dx, dweight, dbias);
    }
    adapter::validate_call(params, x, &dy, weight, {}, running, adapter::Entry::backward_eval);
    require_elements(x);
    require_same_layout(x, dy);
    const Problem p = problem_of(params, x);
    const auto grads = backward(p, x.data, dy.data, dx.data, as_float(weight),
                                as_float(running->mean), as_float(running->var),
                                /*global_stats=*/true);
    write(grads.diff_scale, dweight);
    write(grads.diff_shift, dbias);
  }

 private:
  static std::size_t element_size(bnconf_dtype dtype) { return dtype == BNCONF_F32 ? 4 : 2; }

  // oneDNN takes dy in x's format here; the ABI lets dy have its own layout.
  static void require_same_layout(const bnconf_tensor& x, const bnconf_tensor& dy) {
    if (x.layout != dy.layout && x.rank > 2) {
      throw Unsupported("this adapter passes dy to oneDNN in x's layout; dy has the other one");
    }
  }
};

}  // namespace
}  // namespace bnconf::backends::onednn

BNCONF_EXPORT_BACKEND(bnconf::backends::onednn::OneDnnBackend)
