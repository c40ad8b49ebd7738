// A backend in C++ with the adapter helper (docs/adapter-guide.md, section 4): inference with
// given running statistics, f64 and f32, both layouts, ranks 2 to 5, computed in double, and x
// as a strided view too: load_as_double gathers a view in channels-first order, the order
// channel_of then assumes and the (dense, channels-first) output of such a call is written in.
// It needs only the ABI header, the helper and the helper's rounding, so it also shows the hand
// build of the guide ("Building by hand"), which a ctest repeats.
//
// y = gamma (x - running_mean) / sqrt(running_var + eps) + beta   (docs/semantics.md)
#include <cmath>
#include <vector>

#include "bnconf/adapter.hpp"

namespace {

class EvalBackend final : public bnconf::adapter::Backend {
 public:
  const char* name() const override { return "example-eval"; }
  const char* version() const override { return "1.0"; }

  bnconf_capabilities capabilities() const override {
    bnconf_capabilities c =
        bnconf::adapter::full_capabilities((1u << BNCONF_F64) | (1u << BNCONF_F32));
    c.operations = BNCONF_OP_FORWARD_EVAL;
    // Normalises with the statistics it is given; keeps none of its own. Reads strided views.
    c.features = BNCONF_FEATURE_GLOBAL_STATS | BNCONF_FEATURE_NO_AFFINE |
                 BNCONF_FEATURE_VALIDATES_INPUT | BNCONF_FEATURE_STRIDED;
    return c;
  }

  void forward_eval(const bnconf_params& params, const bnconf_tensor& x,
                    const bnconf_vector& weight, const bnconf_vector& bias,
                    const bnconf_running* running, bnconf_tensor_out y) override {
    bnconf::adapter::validate_call(params, x, nullptr, weight, bias, running,
                                   bnconf::adapter::Entry::forward_eval);
    if (!running) throw bnconf::adapter::Unsupported("batch statistics in eval (untracked)");
    bnconf::adapter::check_output(x, y.data, "y");
    std::vector<double> values = bnconf::adapter::load_as_double(x);
    for (std::size_t i = 0; i < values.size(); ++i) {
      const std::size_t c = bnconf::adapter::channel_of(x, i);
      const double gamma = weight.length ? weight.data[c] : 1.0;
      const double beta = bias.length ? bias.data[c] : 0.0;
      const double invstd = 1.0 / std::sqrt(running->var.data[c] + params.eps);
      values[i] = gamma * ((values[i] - running->mean.data[c]) * invstd) + beta;
    }
    bnconf::adapter::store_from_double(values, static_cast<bnconf_dtype>(x.dtype), y.data);
  }
};

}  // namespace

BNCONF_EXPORT_BACKEND(EvalBackend)
