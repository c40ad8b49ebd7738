// Bounds of a training step (forward_train) and of inference (forward_eval).
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "tolerance_model.hpp"

namespace bnconf::conformance::tolerance_model {

Bounds forward_train_bounds(const Case& c, const Precision& p) {
  const Array& x = need(c.inputs, "x", c);
  const Geometry g = geometry_of(x.shape);
  const Affine a = affine_of(c, g.c);
  auto running = initial_running(c, g.c);
  const StepBounds s = train_step(c, x.values.data(), g, a, need(c.expected, "y", c).values.data(),
                                  data_or_null(c, "batch_mean"), data_or_null(c, "batch_var"),
                                  data_or_null(c, "saved_invstd"), data_or_null(c, "running_mean"),
                                  data_or_null(c, "running_var"), running, p);
  Bounds b{{"y", s.y},
           {"batch_mean", s.batch_mean},
           {"batch_var", s.batch_var},
           {"saved_invstd", s.saved_invstd}};
  if (running) {
    b["running_mean"] = s.running_mean;
    b["running_var"] = s.running_var;
    b["num_batches_tracked"] = {0.0};  // an integer: exact
  }
  return b;
}

Bounds forward_eval_bounds(const Case& c, const Precision& p) {
  const Array& x = need(c.inputs, "x", c);
  const Geometry g = geometry_of(x.shape);
  const Affine a = affine_of(c, g.c);
  const auto running = initial_running(c, g.c);
  Bounds b;
  add_y_bounds(b["y"], x.values.data(), need(c.expected, "y", c).values.data(), g,
               eval_normalisers(c, x.values.data(), g, running, p), a, p);
  return b;
}

}  // namespace bnconf::conformance::tolerance_model
