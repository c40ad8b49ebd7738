// The input-space model (coverage.hpp): axes, classes and the predicates that say which catalogue
// entries cover them. Boundaries follow where real kernels change behaviour: vector widths and
// work-group sizes (16 ... 1024 channels or values per channel), the 65535 grid limit on the
// batch, 2^16 and 2^24 values in one channel (16-bit indices, float's exact integers), empty
// tensors, and the limits of the integer inputs' types.
#include "bnconf/generators/coverage.hpp"

#include <cmath>
#include <cstdint>
#include <limits>

namespace bnconf::generators {
namespace {

using Json = nlohmann::ordered_json;
using cases::Operation;
using Op = Operation;

const std::vector<Op> kSingle{Op::forward_train, Op::forward_eval, Op::backward_train,
                              Op::backward_eval};
const std::vector<Op> kForward{Op::forward_train, Op::forward_eval};
const std::vector<Op> kBackward{Op::backward_train, Op::backward_eval};
const std::vector<Op> kUpdates{Op::forward_train, Op::sequence};
const std::vector<Op> kTakesRunning{Op::forward_train, Op::forward_eval, Op::backward_eval};
const std::vector<Op> kEval{Op::forward_eval, Op::backward_eval};

const Json& recipe(const CatalogueEntry& e, const char* name) {
  static const Json empty = Json::object();
  return e.data.contains(name) ? e.data[name] : empty;
}

std::string kind_of(const Json& r, const char* fallback = "normal") {
  return r.value("kind", std::string(fallback));
}

double value_of(const Json& r, const char* key, double fallback) {
  if (!r.contains(key)) return fallback;
  const Json& v = r[key];
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const std::string text = v.get<std::string>();
    if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (text == "inf") return std::numeric_limits<double>::infinity();
    if (text == "-inf") return -std::numeric_limits<double>::infinity();
  }
  return fallback;
}

// Whether an inject list holds a value satisfying `is`.
template <class Is>
bool injects(const Json& r, const char* list, Is is) {
  if (!r.contains(list)) return false;
  for (const auto& injection : r[list]) {
    const Json& v = injection.at("value");
    double x = v.is_number() ? v.get<double>() : 0.0;
    if (v.is_string()) {
      const std::string text = v.get<std::string>();
      x = text == "nan"   ? std::numeric_limits<double>::quiet_NaN()
          : text == "inf" ? std::numeric_limits<double>::infinity()
                          : -std::numeric_limits<double>::infinity();
    }
    if (is(x)) return true;
  }
  return false;
}

bool is_nan(double x) { return std::isnan(x); }
bool is_pos_inf(double x) { return std::isinf(x) && x > 0; }
bool is_neg_inf(double x) { return std::isinf(x) && x < 0; }
bool is_special(double x) { return !std::isfinite(x); }

bool valid(const CatalogueEntry& e) { return e.spec.operation != Op::error; }
std::size_t extent(const CatalogueEntry& e, std::size_t axis) {
  return axis < e.spec.shape.size() ? e.spec.shape[axis] : 0;
}
std::size_t spatial(const CatalogueEntry& e) {
  std::size_t s = 1;
  for (std::size_t axis = 2; axis < e.spec.shape.size(); ++axis) s *= e.spec.shape[axis];
  return s;
}
std::size_t values_per_channel(const CatalogueEntry& e) { return extent(e, 0) * spatial(e); }

// The recipe's per-channel standard deviation is scale * U(0.5, 2): at most twice "std".
bool variance_below_eps(const CatalogueEntry& e) {
  const Json& x = recipe(e, "x");
  const double std_max = 2.0 * value_of(x, "std", 1.0);
  return kind_of(x) == "normal" && std_max * std_max < e.spec.spec.eps / 100.0;
}

std::int64_t counter(const CatalogueEntry& e) {
  const Json& r = recipe(e, "running");
  if (r.contains("count")) return r["count"].get<std::int64_t>();
  return kind_of(r, "random") == "random" ? 3 : 0;  // random: U{0..5}
}

using Predicate = std::function<bool(const CatalogueEntry&)>;

void add(std::vector<CoverageClass>& model, std::string axis, std::string name,
         std::string meaning, std::vector<Op> operations, Predicate covers,
         bool on_demand = false) {
  model.push_back({std::move(axis), std::move(name), std::move(meaning), std::move(operations),
                   on_demand, std::move(covers)});
}

void structure_axes(std::vector<CoverageClass>& m) {
  for (const auto& row : cases::operation_table()) {
    const Op op = row.operation;
    add(m, "operation", std::string(row.name), std::string(row.meaning), {op},
        [](const CatalogueEntry&) { return true; });
  }
  for (const auto dtype : ieee::kAllDtypes) {
    add(m, "dtype", std::string(ieee::to_string(dtype)), "activations stored in this dtype",
        {Op::forward_train, Op::forward_eval, Op::backward_train, Op::backward_eval, Op::sequence},
        [dtype](const CatalogueEntry& e) { return valid(e) && e.spec.dtype == dtype; });
  }
  for (const auto layout : reference::kAllLayouts) {
    add(m, "layout of x", std::string(reference::to_string(layout)), "x's memory order",
        {Op::forward_train, Op::forward_eval, Op::backward_train, Op::backward_eval, Op::sequence},
        [layout](const CatalogueEntry& e) { return valid(e) && e.spec.layout == layout; });
  }
  add(m, "layout of dy", "as x's", "dy in x's memory order", kBackward,
      [](const CatalogueEntry& e) { return valid(e) && !e.spec.dy_layout; });
  add(m, "layout of dy", "other than x's", "dy in the other memory order than x (rank > 2)",
      kBackward, [](const CatalogueEntry& e) {
        return valid(e) && e.spec.dy_layout && *e.spec.dy_layout != e.spec.layout &&
               e.spec.shape.size() > 2;
      });
  add(m, "view", "dense", "x (and dy) dense", kSingle,
      [](const CatalogueEntry& e) { return valid(e) && e.spec.view == cases::View::dense; });
  add(m, "view", "strided", "x (and dy) a strided view with a storage offset", kSingle,
      [](const CatalogueEntry& e) { return valid(e) && e.spec.view == cases::View::strided; });
  for (std::size_t rank = 2; rank <= 5; ++rank) {
    add(m, "rank", std::to_string(rank), "x has this many axes", kSingle,
        [rank](const CatalogueEntry& e) { return valid(e) && e.spec.shape.size() == rank; });
  }
}

// Sizes just below, at and above the powers of two where kernels switch vector widths, warp
// and work-group sizes.
const std::vector<std::size_t> kBoundaries{1,   15,  16,  17,  31,   32,   33,  63,
                                           64,  65,  127, 128, 129,  255,  256, 257,
                                           1023, 1024, 1025};

void size_axes(std::vector<CoverageClass>& m) {
  for (const std::size_t c : kBoundaries) {
    add(m, "C (channels)", std::to_string(c), "exactly this many channels", kSingle,
        [c](const CatalogueEntry& e) { return valid(e) && extent(e, 1) == c; });
  }
  for (const std::size_t v : kBoundaries) {
    if (v == 1) continue;  // one value per channel has its own class below
    add(m, "M (values per channel)", std::to_string(v), "N x spatial = exactly this", kSingle,
        [v](const CatalogueEntry& e) { return valid(e) && values_per_channel(e) == v; });
  }
  add(m, "M (values per channel)", "1", "one value per channel (legal in training only without "
      "Bessel's correction; in eval with running statistics)", kSingle,
      [](const CatalogueEntry& e) { return valid(e) && values_per_channel(e) == 1; });
  add(m, "M (values per channel)", ">= 2^16", "65536 values per channel or more (16-bit counts)",
      kSingle, [](const CatalogueEntry& e) {
        return valid(e) && values_per_channel(e) >= (std::size_t{1} << 16);
      });
  add(m, "M (values per channel)", "> 2^24", "more values per channel than float counts exactly",
      {Op::forward_train, Op::backward_train},
      [](const CatalogueEntry& e) {
        return valid(e) && values_per_channel(e) > (std::size_t{1} << 24);
      },
      true);
  add(m, "N (batch)", "0", "an empty batch", kSingle,
      [](const CatalogueEntry& e) { return valid(e) && e.spec.shape.size() > 1 && extent(e, 0) == 0; });
  add(m, "N (batch)", "1", "one sample", kSingle,
      [](const CatalogueEntry& e) { return valid(e) && extent(e, 0) == 1; });
  add(m, "N (batch)", "> 65535", "beyond a 16-bit grid dimension", kSingle,
      [](const CatalogueEntry& e) { return valid(e) && extent(e, 0) > 65535; });
  add(m, "spatial", "zero extent", "a spatial axis of extent 0 (N > 0)", kSingle,
      [](const CatalogueEntry& e) {
        return valid(e) && e.spec.shape.size() > 2 && extent(e, 0) > 0 && spatial(e) == 0;
      });
  add(m, "spatial", "1 x ... x 1", "spatial axes all of extent 1", kSingle,
      [](const CatalogueEntry& e) { return valid(e) && e.spec.shape.size() > 2 && spatial(e) == 1; });
}

void option_axes(std::vector<CoverageClass>& m) {
  const std::vector<Op> with_sequence{Op::forward_train, Op::forward_eval, Op::backward_train,
                                      Op::backward_eval, Op::sequence};
  for (const bool on : {true, false}) {
    add(m, "affine", on ? "on" : "off", on ? "gamma and beta given" : "no gamma, beta",
        with_sequence,
        [on](const CatalogueEntry& e) { return valid(e) && e.spec.spec.affine == on; });
    add(m, "track_running_stats", on ? "on" : "off",
        on ? "running statistics given (and updated in training)"
           : "batch statistics in every mode, none kept",
        with_sequence, [on](const CatalogueEntry& e) {
          return valid(e) && e.spec.spec.track_running_stats == on;
        });
  }
  auto tracked = [](const CatalogueEntry& e) {
    return valid(e) && e.spec.spec.track_running_stats;
  };
  add(m, "momentum", "none", "cumulative average, 1 / num_batches_tracked", kUpdates,
      [tracked](const CatalogueEntry& e) { return tracked(e) && !e.spec.spec.momentum; });
  add(m, "momentum", "0", "running statistics kept as they are", kUpdates,
      [tracked](const CatalogueEntry& e) { return tracked(e) && e.spec.spec.momentum == 0.0; });
  add(m, "momentum", "1", "running statistics replaced", kUpdates,
      [tracked](const CatalogueEntry& e) { return tracked(e) && e.spec.spec.momentum == 1.0; });
  add(m, "momentum", "in (0, 1)", "a proper mix (0.1, 0.9, 0.99: not exact in binary)", kUpdates,
      [tracked](const CatalogueEntry& e) {
        return tracked(e) && e.spec.spec.momentum && *e.spec.spec.momentum > 0 &&
               *e.spec.spec.momentum < 1;
      });
  for (const auto convention : reference::kAllMomentumConventions) {
    add(m, "momentum convention", std::string(reference::to_string(convention)),
        "which weight the momentum is", kUpdates, [tracked, convention](const CatalogueEntry& e) {
          return tracked(e) && e.spec.spec.momentum && e.spec.spec.momentum_convention == convention;
        });
  }
  for (const auto estimator : reference::kAllRunningVarEstimators) {
    add(m, "running variance estimator", std::string(reference::to_string(estimator)),
        "what feeds the running variance", kUpdates, [tracked, estimator](const CatalogueEntry& e) {
          return tracked(e) && e.spec.spec.running_var_estimator == estimator;
        });
  }
  add(m, "eps", "0", "no regularisation", kSingle,
      [](const CatalogueEntry& e) { return valid(e) && e.spec.spec.eps == 0.0; });
  add(m, "eps", "tiny", "0 < eps <= 1e-10", kSingle, [](const CatalogueEntry& e) {
    return valid(e) && e.spec.spec.eps > 0 && e.spec.spec.eps <= 1e-10;
  });
  add(m, "eps", "framework default", "1e-5 to 1e-3", kSingle, [](const CatalogueEntry& e) {
    return valid(e) && e.spec.spec.eps >= 1e-5 && e.spec.spec.eps <= 1e-3;
  });
  add(m, "eps", "large", "eps >= 0.1", kSingle,
      [](const CatalogueEntry& e) { return valid(e) && e.spec.spec.eps >= 0.1; });
  add(m, "eps", "variance << eps", "every channel's variance below eps / 100", kSingle,
      [](const CatalogueEntry& e) { return valid(e) && variance_below_eps(e); });
  add(m, "num_batches_tracked", "0", "a fresh module", kTakesRunning,
      [tracked](const CatalogueEntry& e) { return tracked(e) && counter(e) == 0; });
  // The counter sets the cumulative average's weight 1 / (counter + 1); a backend holding it in a
  // narrower type than int64 loses the step (float beyond 2^24) or wraps (int32 at 2^31 - 1).
  // Counters of 2^53 and beyond are not told apart: fixture arrays hold doubles.
  add(m, "num_batches_tracked", "> 2^24", "beyond float's exact integers", kTakesRunning,
      [tracked](const CatalogueEntry& e) {
        return tracked(e) && counter(e) >= (std::int64_t{1} << 24);
      });
  add(m, "num_batches_tracked", ">= 2^31 - 1", "at and beyond the int32 limit", kTakesRunning,
      [tracked](const CatalogueEntry& e) {
        return tracked(e) && counter(e) >= std::numeric_limits<std::int32_t>::max();
      });
  add(m, "num_batches_tracked", "2^53 - 2", "its successor 2^53 - 1, the last of the integers a double holds consecutively",
      kTakesRunning, [tracked](const CatalogueEntry& e) {
        return tracked(e) && counter(e) == (std::int64_t{1} << 53) - 2;
      });
}

void value_axes(std::vector<CoverageClass>& m) {
  auto x_kind = [](const char* kind) {
    return [kind](const CatalogueEntry& e) {
      return valid(e) && kind_of(recipe(e, "x")) == kind;
    };
  };
  add(m, "data of x", "ordinary", "normal, |mean| / std < 100", kSingle, [](const CatalogueEntry& e) {
    const Json& x = recipe(e, "x");
    return valid(e) && kind_of(x) == "normal" && value_of(x, "offset", 0) < 100;
  });
  add(m, "data of x", "offset", "normal, |mean| / std >= 100 (cancellation)", kSingle,
      [](const CatalogueEntry& e) {
        const Json& x = recipe(e, "x");
        return valid(e) && kind_of(x) == "normal" && value_of(x, "offset", 0) >= 100;
      });
  add(m, "data of x", "constant", "every value of a channel equal", kSingle, x_kind("constant"));
  add(m, "data of x", "near the maximum", "magnitudes near the dtype's largest value", kSingle,
      x_kind("near_max"));
  add(m, "data of x", "subnormal", "subnormal magnitudes of the dtype", kSingle,
      x_kind("subnormal"));
  add(m, "data of x", "mixed magnitudes", "magnitudes over many binades", kSingle,
      x_kind("mixed_magnitude"));
  add(m, "data of x", "mostly zero", "sparse: most values 0", kSingle, x_kind("sparse"));
  const std::vector<std::pair<const char*, bool (*)(double)>> specials{
      {"NaN", is_nan}, {"+inf", is_pos_inf}, {"-inf", is_neg_inf}};
  for (const auto& [name, is] : specials) {
    add(m, "special values", std::string(name) + " in x", "propagates to its channel", kSingle,
        [is](const CatalogueEntry& e) { return valid(e) && injects(recipe(e, "x"), "inject", is); });
    add(m, "special values", std::string(name) + " in dy", "propagates to its channel", kBackward,
        [is](const CatalogueEntry& e) { return valid(e) && injects(recipe(e, "dy"), "inject", is); });
  }
  add(m, "special values", "non-finite x where dy is 0", "0 x inf is NaN: still propagates",
      kBackward, [](const CatalogueEntry& e) {
        const Json& dy = recipe(e, "dy");
        return valid(e) && injects(recipe(e, "x"), "inject", is_special) &&
               kind_of(dy) == "constant" && value_of(dy, "value", 1) == 0.0;
      });
  add(m, "special values", "non-finite gamma", "NaN or inf in weight", kSingle,
      [](const CatalogueEntry& e) {
        return valid(e) && injects(recipe(e, "params"), "weight_inject", is_special);
      });
  add(m, "special values", "non-finite beta", "NaN or inf in bias", kForward,
      [](const CatalogueEntry& e) {
        return valid(e) && injects(recipe(e, "params"), "bias_inject", is_special);
      });
  add(m, "special values", "non-finite running statistics", "NaN mean or inf variance", kEval,
      [](const CatalogueEntry& e) {
        const Json& r = recipe(e, "running");
        return valid(e) && kind_of(r, "random") == "values" &&
               (is_special(value_of(r, "mean", 0)) || is_special(value_of(r, "var", 1)));
      });
  auto dy_is = [](const char* kind, bool zero) {
    return [kind, zero](const CatalogueEntry& e) {
      const Json& dy = recipe(e, "dy");
      return valid(e) && kind_of(dy) == kind && (value_of(dy, "value", 1) == 0.0) == zero;
    };
  };
  add(m, "data of dy", "zero", "no gradient at all", kBackward, dy_is("constant", true));
  add(m, "data of dy", "constant", "the same gradient everywhere (dx = 0)", kBackward,
      dy_is("constant", false));
  add(m, "data of dy", "offset", "|mean| >> std: cancels in dx", kBackward,
      [](const CatalogueEntry& e) {
        const Json& dy = recipe(e, "dy");
        return valid(e) && kind_of(dy) == "normal" && value_of(dy, "offset", 0) >= 10;
      });
  add(m, "data of dy", "mostly zero", "sparse gradient", kBackward, dy_is("sparse", false));
  add(m, "data of dy", "mixed magnitudes", "over many binades", kBackward,
      dy_is("mixed_magnitude", false));
  auto params_are = [](double weight) {
    return [weight](const CatalogueEntry& e) {
      const Json& p = recipe(e, "params");
      return valid(e) && e.spec.spec.affine && kind_of(p, "random") == "values" &&
             value_of(p, "weight", 1) == weight;
    };
  };
  add(m, "gamma, beta", "random", "signed gamma U(0.5, 2), beta U(-1, 1)", kSingle,
      [](const CatalogueEntry& e) {
        return valid(e) && e.spec.spec.affine && kind_of(recipe(e, "params"), "random") == "random";
      });
  add(m, "gamma, beta", "gamma 0", "the output is beta, the gradients of x vanish", kSingle,
      params_are(0.0));
  auto running_is = [](auto test) {
    return [test](const CatalogueEntry& e) {
      const Json& r = recipe(e, "running");
      return valid(e) && e.spec.spec.track_running_stats && kind_of(r, "random") == "values" &&
             test(value_of(r, "mean", 0), value_of(r, "var", 1));
    };
  };
  add(m, "running statistics", "variance 0", "with eps > 0: 1 / sqrt(eps)", kEval,
      running_is([](double, double var) { return var == 0.0; }));
  add(m, "running statistics", "variance > 65504", "overflows f16 if stored in it", kEval,
      running_is([](double, double var) { return std::isfinite(var) && var > 65504; }));
}

void error_axes(std::vector<CoverageClass>& m) {
  using reference::ErrorKind;
  auto rejects = [](ErrorKind kind, auto refine) {
    return [kind, refine](const CatalogueEntry& e) {
      return e.spec.operation == Op::error && e.spec.expected_error == kind && refine(e);
    };
  };
  auto any = [](const CatalogueEntry&) { return true; };
  add(m, "error kind", "bad_rank", "x of rank < 2 or > 5", kSingle, rejects(ErrorKind::bad_rank, any));
  add(m, "error kind", "channel_mismatch: weight", "weight length != C", kSingle,
      rejects(ErrorKind::channel_mismatch, [](const CatalogueEntry& e) {
        return e.mutate.contains("weight_size");
      }));
  add(m, "error kind", "channel_mismatch: bias", "bias length != C", kForward,
      rejects(ErrorKind::channel_mismatch, [](const CatalogueEntry& e) {
        return e.mutate.contains("bias_size");
      }));
  add(m, "error kind", "channel_mismatch: running statistics", "running_mean or _var length != C",
      kTakesRunning, rejects(ErrorKind::channel_mismatch, [](const CatalogueEntry& e) {
        return e.mutate.contains("running_mean_size") || e.mutate.contains("running_var_size");
      }));
  add(m, "error kind", "shape_mismatch", "dy shaped unlike x", kBackward,
      rejects(ErrorKind::shape_mismatch, any));
  add(m, "error kind", "too_few_values_per_channel", "one value per channel, Bessel's correction",
      {Op::forward_train, Op::backward_train}, rejects(ErrorKind::too_few_values_per_channel, any));
  const std::vector<std::pair<const char*, bool (*)(double)>> eps_values{
      {"negative", [](double v) { return v < 0; }},
      {"NaN", is_nan},
      {"inf", [](double v) { return std::isinf(v); }}};
  for (const auto& [name, is] : eps_values) {
    add(m, "error kind", std::string("bad_eps: ") + name, "eps that no framework accepts", kSingle,
        rejects(ErrorKind::bad_eps, [is](const CatalogueEntry& e) { return is(e.spec.spec.eps); }));
  }
  const std::vector<std::pair<const char*, bool (*)(double)>> momentum_values{
      {"above 1", [](double v) { return v > 1; }},
      {"negative", [](double v) { return v < 0; }},
      {"NaN", is_nan},
      {"inf", [](double v) { return std::isinf(v); }}};
  for (const auto& [name, is] : momentum_values) {
    add(m, "error kind", std::string("bad_momentum: ") + name, "momentum outside [0, 1]",
        {Op::forward_train}, rejects(ErrorKind::bad_momentum, [is](const CatalogueEntry& e) {
          return e.spec.spec.momentum && is(*e.spec.spec.momentum);
        }));
  }
  add(m, "error kind", "missing_running_stats", "tracking without running statistics",
      kTakesRunning, rejects(ErrorKind::missing_running_stats, any));
  add(m, "error kind", "unexpected_parameter: weight", "weight given with affine = 0", kSingle,
      rejects(ErrorKind::unexpected_parameter, [](const CatalogueEntry& e) {
        return !e.spec.spec.affine;
      }));
  add(m, "error kind", "unexpected_parameter: running statistics",
      "running statistics given with track_running_stats = 0", kTakesRunning,
      rejects(ErrorKind::unexpected_parameter, [](const CatalogueEntry& e) {
        return e.mutate.contains("running_when_untracked");
      }));
  add(m, "error kind", "bad_num_batches_tracked", "a negative counter", kTakesRunning,
      rejects(ErrorKind::bad_num_batches_tracked, any));
}

}  // namespace

const std::vector<CoverageClass>& coverage_model() {
  static const std::vector<CoverageClass> model = [] {
    std::vector<CoverageClass> m;
    structure_axes(m);
    size_axes(m);
    option_axes(m);
    value_axes(m);
    error_axes(m);
    return m;
  }();
  return model;
}

Operation exercised_operation(const CatalogueEntry& entry) {
  return entry.spec.operation == Op::error ? entry.spec.call : entry.spec.operation;
}

std::vector<CoverageRow> coverage_of(const Catalogue& catalogue) {
  std::vector<CoverageRow> rows;
  for (const auto& c : coverage_model()) {
    CoverageRow row{&c, {}};
    for (const Op op : c.operations) {
      CoverageCell cell{op, {}};
      for (const auto& entry : catalogue.entries) {
        // A committed class must be covered by committed cases.
        if (entry.on_demand && !c.on_demand) continue;
        // An error class applies to the entry point an error case calls.
        const Op exercised =
            c.axis == "error kind" ? exercised_operation(entry) : entry.spec.operation;
        if (exercised == op && c.covers(entry)) cell.case_ids.push_back(entry.spec.id);
      }
      row.cells.push_back(std::move(cell));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace bnconf::generators
