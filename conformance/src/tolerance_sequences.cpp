// Bounds of the chained operations: sequences of training steps and the seed pipeline.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "bnconf/cases/seed_pipeline.hpp"
#include "tolerance_model.hpp"

namespace bnconf::conformance::tolerance_model {
namespace {

// Pipeline: see pipeline_bounds.
constexpr double kPipelineGrowth = 2.0;
constexpr double kAccuracyTieFraction = 0.01;

constexpr std::size_t kPipelineBatchRows = cases::kPipelineBatch;  // the fixed mini-batch size

double rms(const std::vector<double>& v) {
  double s = 0;
  std::size_t n = 0;
  for (double x : v) {
    if (std::isfinite(x)) s += x * x, ++n;
  }
  return n ? std::sqrt(s / static_cast<double>(n)) : 0.0;
}

}  // namespace

// Sequence: K training steps carrying the running statistics, then eval on x_eval. Step k's y
// and batch statistics depend only on x_k; the running statistics carry the errors of earlier
// steps (the recursion in train_step, at most the sum of the step errors); y_eval uses the
// final running statistics with their carried errors.

Bounds sequence_bounds(const Case& c, const Precision& p) {
  const Array& xs = need(c.inputs, "x", c);
  const std::vector<std::size_t> shape(xs.shape.begin() + 1, xs.shape.end());
  const Geometry g = geometry_of(shape);
  const Affine a = affine_of(c, g.c);
  const auto steps = static_cast<std::size_t>(c.spec.steps);
  auto running = initial_running(c, g.c);
  const double* y = need(c.expected, "y", c).values.data();
  const double* mean = data_or_null(c, "batch_mean");
  const double* var = data_or_null(c, "batch_var");
  const double* invstd = data_or_null(c, "saved_invstd");
  const double* rm = data_or_null(c, "running_mean");
  const double* rv = data_or_null(c, "running_var");
  auto at = [](const double* base, std::size_t offset) { return base ? base + offset : nullptr; };
  Bounds b;
  for (std::size_t k = 0; k < steps; ++k) {
    const StepBounds s = train_step(c, xs.values.data() + k * g.size(), g, a, y + k * g.size(),
                                    at(mean, k * g.c), at(var, k * g.c), at(invstd, k * g.c),
                                    at(rm, k * g.c), at(rv, k * g.c), running, p);
    append(b["y"], s.y);
    append(b["batch_mean"], s.batch_mean);
    append(b["batch_var"], s.batch_var);
    append(b["saved_invstd"], s.saved_invstd);
    if (running) {
      append(b["running_mean"], s.running_mean);
      append(b["running_var"], s.running_var);
    }
  }
  if (running) b["num_batches_tracked"].assign(steps, 0.0);
  const Array& x_eval = need(c.inputs, "x_eval", c);
  add_y_bounds(b["y_eval"], x_eval.values.data(), need(c.expected, "y_eval", c).values.data(), g,
               eval_normalisers(c, x_eval.values.data(), g, running, p), a, p);
  return b;
}

// Pipeline (the seed example: BatchNorm1d -> Linear -> softmax cross-entropy, SGD epochs).
//
// The running statistics depend only on the data (the BatchNorm input is x itself), so they get
// the sequence model over the mini-batches. The trained parameters and the losses depend on
// the whole trajectory: each of the T = epochs * batches SGD steps perturbs the gradients by a
// few u_out relative (activations and dy pass through the dtype) and a stable descent carries
// earlier perturbations without amplifying them beyond O(1) per step, so
//   |d theta| <= kPipelineGrowth * T * u_out * (|theta| + rms(theta))
// with the same for the per-epoch losses (|d loss| <= max |d logit| ~ u_out |logit| per step).
// Accuracy: exact but for rows whose top-2 logits nearly tie; we allow a fixed fraction of rows
// (kAccuracyTieFraction, at least one row) to flip.

Bounds pipeline_bounds(const Case& c, const Precision& p) {
  const Array& x = need(c.inputs, "x", c);
  const Geometry g = geometry_of(x.shape);
  const std::size_t rows = g.n;
  const std::size_t batches = rows / kPipelineBatchRows;
  const auto epochs = static_cast<std::size_t>(c.spec.steps);
  const double updates = static_cast<double>(std::max<std::size_t>(batches * epochs, 1));
  Bounds b;
  // Running statistics: the sequence model over every mini-batch of every epoch; only the
  // final values are stored, so the intermediate "expected" values are the carried estimate.
  auto running = initial_running(c, g.c);
  if (running) {
    const Geometry gb{kPipelineBatchRows, g.c, g.s};
    for (std::size_t e = 0; e < epochs; ++e) {
      for (std::size_t k = 0; k < batches; ++k) {
        const double* xb = x.values.data() + k * gb.size();
        const std::vector<Moments> mo = moments_of(xb, gb);
        running->num_batches_tracked += 1;
        const auto [w_old, w_batch] = mixing_weights(c.spec.spec, running->num_batches_tracked);
        for (std::size_t ch = 0; ch < g.c; ++ch) {
          advance_running(*running, ch, batch_model(mo[ch], c.spec.spec.eps, p), gb.m(),
                          c.spec.spec, w_old, w_batch, p);
        }
      }
    }
    const Array& rm = need(c.expected, "running_mean", c);
    const Array& rv = need(c.expected, "running_var", c);
    for (std::size_t ch = 0; ch < g.c; ++ch) {
      b["running_mean"].push_back(finish(rm.values[ch], running->e_mean[ch], p.acc));
      b["running_var"].push_back(finish(rv.values[ch], running->e_var[ch], p.acc));
    }
    b["num_batches_tracked"] = {0.0};
  }
  const double per_value = kPipelineGrowth * updates * p.u_out;
  for (const char* name : {"weight", "bias", "linear_weight", "linear_bias", "epoch_loss"}) {
    const Array* e = find(c.expected, name);
    if (!e) continue;
    const double scale = rms(e->values);
    auto& out = b[name];
    for (double v : e->values) out.push_back(finish(v, per_value * (std::fabs(v) + scale), p.acc));
  }
  if (const Array* acc = find(c.expected, "epoch_accuracy")) {
    const double rows_d = static_cast<double>(std::max<std::size_t>(rows, 1));
    const double allowed = std::max(1.0, std::ceil(kAccuracyTieFraction * rows_d)) / rows_d;
    for (double v : acc->values) b["epoch_accuracy"].push_back(std::isfinite(v) ? allowed : 0.0);
  }
  return b;
}

}  // namespace bnconf::conformance::tolerance_model
