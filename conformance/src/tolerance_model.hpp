// Primitives of the tolerance model, shared by the derivations of each operation
// (tolerance_forward.cpp, tolerance_backward.cpp, tolerance_sequences.cpp). Internal to
// bnconf::conformance; the public entry is bnconf/conformance/tolerance.hpp.
//
//
// docs/tolerances.md derives every formula below; the comments give each formula and the reason
// for it. Notation, per channel c of a batch of M values x_i:
//   u      unit roundoff of the accumulation precision (f64: 2^-53; f32, f16, bf16: 2^-24)
//   u_out  unit roundoff of the activations' storage dtype (y, dx, y_eval are rounded to it)
//   eta    smallest subnormal of the accumulation precision (absolute underflow error)
//   g(M)   error growth of a stable sum of M terms: |fl(sum) - sum| <= g(M) u sum|terms|
//   mu, var, s = 1/sqrt(var + eps), xhat_i = (x_i - mu) s   (exact values, computed here in
//          double from the stored inputs: their own error is negligible next to the bounds)
// Every bound is  kSafety * (first-order error) + kFloorUlps ulps of the expected value.
#include "bnconf/conformance/tolerance.hpp"

#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bnconf/cases/case.hpp"
#include "bnconf/ieee/dtype.hpp"

namespace bnconf::conformance::tolerance_model {

using cases::Array;
using cases::Case;
using ieee::Dtype;

// The derived bounds are first-order worst cases; the factor covers second-order terms, a few
// extra roundings we did not model (an FMA-free vs. FMA evaluation order, a float conversion of
// eps or momentum, double rounding float -> f16) and algorithms whose constant in g(M) is
// somewhat larger than pairwise summation's. docs/tolerances.md, "Safety factor".
inline constexpr double kSafety = 4.0;
// A floor of a few ulps of the expected value, in the precision the output is held to.
inline constexpr double kFloorUlps = 2.0;

// Bounds of every output of a case, by output name.
using Bounds = std::map<std::string, std::vector<double>>;

// Precision of one case: activations are stored in `out`; reductions, per-channel outputs and
// the elementwise arithmetic are done in `acc` (at least float).
struct Precision {
  Dtype out = Dtype::f64;
  Dtype acc = Dtype::f64;
  double u_out = 0;
  double u = 0;
  double eta = 0;
};

Precision precision_of(Dtype dtype);

// Spacing of `dtype` at |v|: 2^(e - digits + 1) for 2^e <= |v| < 2^(e+1), never below the
// subnormal spacing.
double ulp(double v, Dtype dtype);

// g(M): error growth of a sum of M terms, |fl(sum) - sum| <= g(M) u sum|terms|.
//   ceil(log2 M)  the worst case of pairwise (tree) summation and of Chan's pairwise merges;
//   + 2           the final division by M and one conversion;
//   + sqrt(M)/4   blocked and sequential accumulations (per-thread loops, SIMD lanes): their
//                 worst case grows like M but their actual error grows like a random walk,
//                 ~sqrt(M) u sum|terms| (Higham & Mary 2019); with kSafety = 4 the bound covers
//                 sqrt(M) u sum|terms|.
double growth(std::size_t m);

// The growth the random walk of growth() does not cover: k equal terms (a sparse channel's zeros,
// a constant dy) round the same way at every step of a sequential sum, so their error grows like
// k, not sqrt(k): measured up to 0.05 k u on the sum of squared deviations of sparse data
// (docs/tolerances.md, "Repeated terms"); k/8 covers it with the safety factor. 0 for k < 2.
double repeated_growth(std::size_t repeats);

// Final bound for one element: safety factor on the first-order error, floor of a few ulps of
// the expected value; 0 for an expected NaN or infinity (the same special value is required);
// kAnyValue for a finite expected value whose first-order error is unbounded (infinite, or NaN
// from infinity times 0).
double finish(double expected, double first_order, Dtype floor_dtype);

// A relative error of 1 or more leaves a quantity undetermined (invstd from a variance whose own
// error reaches var + eps: subnormal data with eps = 0): +infinity, which makes every bound that
// depends on it open (finish). Below 1 (or NaN, from NaN data), the relative error itself.
double undetermined_past_one(double relative_error);

// ---------------------------------------------------------------------------------------------
// Geometry of an activation of logical shape (N, C, spatial...), row-major.

struct Geometry {
  std::size_t n = 0, c = 0, s = 1;  // batch, channels, product of the spatial sizes
  std::size_t m() const { return n * s; }
  std::size_t size() const { return n * c * s; }
  std::size_t channel(std::size_t i) const { return (i / s) % c; }
};

Geometry geometry_of(const std::vector<std::size_t>& shape);

// Per-channel moments of the finite values (non-finite values make every output that depends
// on them special, and must not spoil the bounds of the outputs that do not).
struct Moments {
  std::size_t m = 0;        // values per channel (N * spatial), finite or not
  double mean = 0;          // of the finite values
  double var = 0;           // biased, of the finite values
  double abs_mean = 0;      // mean |x|
  bool constant = true;     // every finite value equal (and at least one)
  std::size_t repeats = 1;  // the most finite values equal to one another
};

// Per channel, the largest number of finite values equal to one another.
std::vector<std::size_t> largest_repeats(const double* v, const Geometry& g);

std::vector<Moments> moments_of(const double* x, const Geometry& g);

// What normalises x: x_hat = (x - center) * invstd, with the error the backend may make on the
// center (absolute) and on invstd (relative).
struct Normaliser {
  double center = 0;
  double e_center = 0;
  double invstd = 0;
  double r_invstd = 0;
};

// Batch statistics of one channel and their first-order errors.
struct BatchModel {
  Moments mo;
  double e_mean = 0;  // |computed mean - mu|
  double e_var = 0;   // |computed biased variance - var|
  Normaliser norm;
};

BatchModel batch_model(const Moments& mo, double eps, const Precision& p);

// Frozen (running) statistics with an absolute error on each (carried through a sequence).
Normaliser running_normaliser(double mean, double var, double e_mean, double e_var, double eps,
                              const Precision& p);

// The error of a computed x_hat_i = (x_i - center) * invstd has a part common to the channel
// (the center's error and invstd's relative error) and a part of its own (roundings):
//   |d x_hat_i| <= s e_center + |x_hat_i| r_invstd + s u (|x_i| + |center|).
// The u |x| s term is the rounding of x * (gamma s) in the fused form y = x * a + (beta - mu a)
// (PyTorch CPU and many kernels) and of x - center.
double xhat_rounding(double x, const Normaliser& n, const Precision& p);

double xhat_error(double x, const Normaliser& n, const Precision& p);

// ---------------------------------------------------------------------------------------------
// Inputs shared by the operations.

const Array* find(const std::map<std::string, Array>& arrays, const std::string& name);

const Array& need(const std::map<std::string, Array>& arrays, const std::string& name,
                  const Case& c);

struct Affine {
  std::vector<double> gamma, beta;
};

Affine affine_of(const Case& c, std::size_t channels);

// y = gamma x_hat + beta rounded to the dtype:
//   |dy| <= |gamma| |d x_hat| + u (|gamma x_hat| + |beta|) + u_out |y|.
void add_y_bounds(std::vector<double>& out, const double* x, const double* y_expected,
                  const Geometry& g, const std::vector<Normaliser>& norms, const Affine& a,
                  const Precision& p);

// ---------------------------------------------------------------------------------------------
// Training forward step (also one step of a sequence), and the normalisers of eval.

struct RunningState {
  std::vector<double> mean, var;
  std::vector<double> e_mean, e_var;  // first-order errors carried from earlier steps
  double num_batches_tracked = 0;
};

// The mixing weights of the running update: new = w_old old + w_batch batch.
std::pair<double, double> mixing_weights(const reference::BatchNormSpec& spec,
                                         double counter_after);

// Advances channel ch of `r` by one batch (batch model bm of m values): the carried errors
//   e_rm' = |w_old| e_rm + |w_b| e_mean + 3 u (|rm| + |mu|)
//   e_rv' = |w_old| e_rv + |w_b| (f e_var + 2 u f var) + 3 u (|rv| + |f var|)
// (f the estimator's factor M/(M-1), M/max(M-1,1) or 1; 3 u covers the two products, the sum
// and the rounding of the weights themselves, e.g. 1 - m for m = 0.99 held in float) and the
// exact values new = w_old old + w_b batch.
void advance_running(RunningState& r, std::size_t ch, const BatchModel& bm, std::size_t m,
                     const reference::BatchNormSpec& spec, double w_old, double w_batch,
                     const Precision& p);

struct StepBounds {
  std::vector<double> y, batch_mean, batch_var, saved_invstd, running_mean, running_var;
};

// One training forward step. `running` (when tracking) holds the statistics before the step;
// it is advanced with the carried errors (advance_running) and then set to the expected values
// after the step, which a correct backend tracks to within those errors.
StepBounds train_step(const Case& c, const double* x, const Geometry& g, const Affine& a,
                      const double* y_expected, const double* mean_expected,
                      const double* var_expected, const double* invstd_expected,
                      const double* rm_expected, const double* rv_expected,
                      std::optional<RunningState>& running, const Precision& p);

std::optional<RunningState> initial_running(const Case& c, std::size_t channels);

const double* data_or_null(const Case& c, const std::string& name);

void append(std::vector<double>& to, const std::vector<double>& from);

// Normalisers of eval: the running statistics (with carried errors), or the batch's when not
// tracking.
std::vector<Normaliser> eval_normalisers(const Case& c, const double* x, const Geometry& g,
                                         const std::optional<RunningState>& running,
                                         const Precision& p);

// ---------------------------------------------------------------------------------------------
// The derivation of each operation: bounds of every output of the case.

Bounds forward_train_bounds(const Case& c, const Precision& p);
Bounds forward_eval_bounds(const Case& c, const Precision& p);
Bounds backward_train_bounds(const Case& c, const Precision& p);
Bounds backward_eval_bounds(const Case& c, const Precision& p);
Bounds sequence_bounds(const Case& c, const Precision& p);
Bounds pipeline_bounds(const Case& c, const Precision& p);

// Replaces the bounds of the elements the semantics leave open by the markers kAnyValue and
// kAnyNonFinite (tolerance.hpp): an empty batch's statistics, and the non-finite results of
// reductions that met an infinity.
void mark_open_elements(const Case& c, Bounds& bounds);

}  // namespace bnconf::conformance::tolerance_model
