// The certified fast path (bnconf/reference/execution.hpp) gives the exact path's results bit for
// bit, on random and adversarial data, with every instruction set the CPU supports; and it
// really falls back (to the exact path, to the superaccumulator term by term, to the scalar
// formula) on the data that need it.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bnconf/reference/batch_norm.hpp"
#include "bnconf/reference/execution.hpp"
#include "bnconf/reference/spec.hpp"

namespace bnconf::property {
namespace {

using reference::ExecutionOptions;
using reference::Isa;
using reference::Layout;
using reference::Path;
using reference::ScopedExecutionOptions;
using reference::Shape;
using reference::Tensor;

// How the values of one channel are drawn.
enum class Values {
  normal,           // mean and scale random, spread over many magnitudes
  offset,           // |mean| / std = 1e8
  constant,         // one value repeated (var = 0)
  cancelling,       // pairs v, -v (exact sum 0)
  integers,         // small integers (exact sums of few bits, f16-like data)
  wide_range,       // log-uniform magnitudes 1e-200 .. 1e200, random signs
  subnormal,        // subnormal and tiny values
  specials,         // normal values with +-inf, NaN, +-0, DBL_MAX, 2^-400 sprinkled in
  tiny_deviations,  // 1 + k * 2^-52: deviations from the mean at the last bits
};
constexpr Values kAllValues[] = {Values::normal,     Values::offset,   Values::constant,
                                 Values::cancelling, Values::integers, Values::wide_range,
                                 Values::subnormal,  Values::specials, Values::tiny_deviations};

const char* name_of(Values v) {
  switch (v) {
    case Values::normal:
      return "normal";
    case Values::offset:
      return "offset";
    case Values::constant:
      return "constant";
    case Values::cancelling:
      return "cancelling";
    case Values::integers:
      return "integers";
    case Values::wide_range:
      return "wide_range";
    case Values::subnormal:
      return "subnormal";
    case Values::specials:
      return "specials";
    case Values::tiny_deviations:
      return "tiny_deviations";
  }
  return "?";
}

rc::Gen<double> gen_unit() {
  return rc::gen::map(
      rc::gen::inRange<std::int64_t>(-(std::int64_t{1} << 52), std::int64_t{1} << 52),
      [](std::int64_t k) { return std::ldexp(static_cast<double>(k), -52); });
}

rc::Gen<double> gen_special() {
  return rc::gen::element(std::numeric_limits<double>::infinity(),
                          -std::numeric_limits<double>::infinity(),
                          std::numeric_limits<double>::quiet_NaN(), 0.0, -0.0,
                          std::numeric_limits<double>::max(), 0x1p-400, -0x1p-1074, 1e300);
}

// m values of one channel of class `values`.
std::vector<double> draw_channel(Values values, std::size_t m) {
  std::vector<double> out(m);
  switch (values) {
    case Values::normal: {
      const double mean = *gen_unit() * std::ldexp(1.0, *rc::gen::inRange(-20, 20));
      const double scale = std::ldexp(1.0, *rc::gen::inRange(-30, 30));
      for (double& v : out) v = mean + scale * (*gen_unit() + *gen_unit() + *gen_unit());
      break;
    }
    case Values::offset: {
      const double scale = std::ldexp(1.0, *rc::gen::inRange(-10, 10));
      const double mean = (*rc::gen::element(-1.0, 1.0)) * 1e8 * scale;
      for (double& v : out) v = mean + scale * *gen_unit();
      break;
    }
    case Values::constant: {
      const double value = *gen_unit() * std::ldexp(1.0, *rc::gen::inRange(-40, 40));
      for (double& v : out) v = value;
      break;
    }
    case Values::cancelling: {
      for (std::size_t i = 0; i + 1 < m; i += 2) {
        out[i] = *gen_unit() * std::ldexp(1.0, *rc::gen::inRange(-8, 8));
        out[i + 1] = -out[i];
      }
      break;
    }
    case Values::integers:
      for (double& v : out) v = static_cast<double>(*rc::gen::inRange(-2048, 2049));
      break;
    case Values::wide_range:
      for (double& v : out) {
        v = *gen_unit() * std::pow(10.0, static_cast<double>(*rc::gen::inRange(-200, 201)));
      }
      break;
    case Values::subnormal:
      for (double& v : out) v = *gen_unit() * std::ldexp(1.0, *rc::gen::inRange(-1074, -1000));
      break;
    case Values::specials:
      for (double& v : out) {
        v = *rc::gen::inRange(0, 50) == 0 ? *gen_special() : *gen_unit() * 4.0;
      }
      break;
    case Values::tiny_deviations:
      for (double& v : out)
        v = 1.0 + std::ldexp(static_cast<double>(*rc::gen::inRange(-8, 9)), -52);
      break;
  }
  return out;
}

struct FastCase {
  reference::BatchNormSpec spec;
  Shape shape;
  Layout layout = Layout::channels_first;
  Layout dy_layout = Layout::channels_first;
  std::vector<Values> x_values, dy_values;  // per channel
  Tensor x, dy;
  reference::AffineParams params;
  std::optional<reference::RunningStats> running;
};

std::string describe(const FastCase& c) {
  std::ostringstream out;
  out << reference::format_shape(c.shape) << " " << reference::to_string(c.layout) << " dy "
      << reference::to_string(c.dy_layout) << " affine " << c.spec.affine << " track "
      << c.spec.track_running_stats << " x";
  for (Values v : c.x_values) out << " " << name_of(v);
  out << " dy";
  for (Values v : c.dy_values) out << " " << name_of(v);
  return out.str();
}

// Shapes of rank 2 to 4 whose runs exercise both kernel layouts, full vectors, tails, several
// blocks per run and several groups of channels: N 1..6, C 1..19, spatial sizes 1..90.
FastCase draw_case() {
  FastCase c;
  const std::string preset = *rc::gen::elementOf(reference::preset_names());
  c.spec = reference::preset(preset);
  c.spec.affine = *rc::gen::arbitrary<bool>();
  c.spec.track_running_stats = *rc::gen::arbitrary<bool>();
  const std::size_t rank = *rc::gen::inRange<std::size_t>(2, 5);
  c.shape = {*rc::gen::inRange<std::size_t>(1, 7), *rc::gen::inRange<std::size_t>(1, 20)};
  for (std::size_t axis = 2; axis < rank; ++axis) {
    c.shape.push_back(*rc::gen::inRange<std::size_t>(1, 91));
  }
  c.layout = *rc::gen::element(Layout::channels_first, Layout::channels_last);
  c.dy_layout =
      *rc::gen::element(c.layout, c.layout, Layout::channels_first, Layout::channels_last);
  const std::size_t channels = c.shape[1];
  std::size_t per_channel = c.shape[0];
  for (std::size_t axis = 2; axis < rank; ++axis) per_channel *= c.shape[axis];
  const auto gen_values =
      rc::gen::elementOf(std::vector<Values>(std::begin(kAllValues), std::end(kAllValues)));
  // Per channel: x's class, and dy's (normal mostly, else any class).
  std::vector<std::vector<double>> xs, dys;
  for (std::size_t ch = 0; ch < channels; ++ch) {
    c.x_values.push_back(*gen_values);
    c.dy_values.push_back(*rc::gen::inRange(0, 3) == 0 ? *gen_values : Values::normal);
    xs.push_back(draw_channel(c.x_values.back(), per_channel));
    dys.push_back(draw_channel(c.dy_values.back(), per_channel));
  }
  c.x = reference::make_tensor(c.shape, c.layout);
  c.dy = reference::make_tensor(c.shape, c.dy_layout);
  // Fill through logical indices: (n, ch, spatial...) with the spatial index flattened.
  std::vector<std::size_t> index(rank, 0);
  std::vector<std::size_t> next(channels, 0);
  const std::size_t total = c.x.size();
  for (std::size_t flat = 0; flat < total; ++flat) {
    const std::size_t ch = index[1];
    c.x.element(index.begin(), index.end()) = xs[ch][next[ch]];
    c.dy.element(index.begin(), index.end()) = dys[ch][next[ch]];
    ++next[ch];
    for (std::size_t axis = rank; axis-- > 0;) {
      if (++index[axis] < c.shape[axis]) break;
      index[axis] = 0;
    }
  }
  c.params = reference::default_affine(channels);
  if (!c.spec.affine) c.params = {};
  for (std::size_t ch = 0; c.spec.affine && ch < channels; ++ch) {
    c.params.weight(ch) = *gen_unit() * 4.0;
    c.params.bias(ch) = *rc::gen::inRange(0, 4) == 0 ? 0.0 : *gen_unit() * 4.0;
  }
  if (c.spec.track_running_stats) {
    c.running = reference::default_running_stats(channels);
    for (std::size_t ch = 0; ch < channels; ++ch) {
      c.running->mean(ch) = *gen_unit() * 8.0;
      c.running->var(ch) = std::fabs(*gen_unit()) * 8.0 + *rc::gen::element(0.0, 1e-300, 1.0);
    }
  }
  return c;
}

// Every output of the four entry points, as bit patterns, plus the text of any error.
std::vector<std::uint64_t> bits_of(const double* data, std::size_t count) {
  std::vector<std::uint64_t> out(count);
  if (count != 0) std::memcpy(out.data(), data, count * sizeof(double));
  return out;
}
std::vector<std::uint64_t> bits_of(const Tensor& t) { return bits_of(t.data(), t.size()); }
std::vector<std::uint64_t> bits_of(const reference::ChannelVector& v) {
  return bits_of(v.data(), v.size());
}

struct Outputs {
  std::vector<std::vector<std::uint64_t>> values;
  std::vector<std::string> names;
  std::string error;
  void add(const std::string& name, std::vector<std::uint64_t> v) {
    names.push_back(name);
    values.push_back(std::move(v));
  }
};

Outputs run_all(const FastCase& c) {
  Outputs out;
  try {
    const auto train = reference::forward_train(c.spec, c.x, c.params, c.running);
    out.add("train.y", bits_of(train.y));
    out.add("batch_mean", bits_of(train.batch_mean));
    out.add("batch_var", bits_of(train.batch_var));
    out.add("saved_invstd", bits_of(train.saved_invstd));
    if (train.running) {
      out.add("running.mean", bits_of(train.running->mean));
      out.add("running.var", bits_of(train.running->var));
    }
    out.add("eval.y", bits_of(reference::forward_eval(c.spec, c.x, c.params, c.running)));
    const auto backward = reference::backward_train(c.spec, c.x, c.dy, c.params);
    out.add("train.dx", bits_of(backward.dx));
    out.add("train.dweight", bits_of(backward.dweight));
    out.add("train.dbias", bits_of(backward.dbias));
    const auto eval = reference::backward_eval(c.spec, c.x, c.dy, c.params, c.running);
    out.add("eval.dx", bits_of(eval.dx));
    out.add("eval.dweight", bits_of(eval.dweight));
    out.add("eval.dbias", bits_of(eval.dbias));
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

Outputs run_with(const FastCase& c, Path path, Isa isa) {
  ExecutionOptions options = reference::execution_options();
  options.path = path;
  options.isa = isa;
  ScopedExecutionOptions scoped(options);
  return run_all(c);
}

std::string hex(std::uint64_t bits) {
  double value;
  std::memcpy(&value, &bits, sizeof value);
  char text[64];
  std::snprintf(text, sizeof text, "%a", value);
  return text;
}

void require_identical(const Outputs& fast, const Outputs& exact, const std::string& what) {
  RC_ASSERT(fast.error == exact.error);
  RC_ASSERT(fast.names == exact.names);
  for (std::size_t k = 0; k < exact.values.size(); ++k) {
    for (std::size_t i = 0; i < exact.values[k].size(); ++i) {
      if (fast.values[k][i] != exact.values[k][i]) {
        RC_FAIL(what + " " + exact.names[k] + "[" + std::to_string(i) + "]: fast " +
                hex(fast.values[k][i]) + ", exact " + hex(exact.values[k][i]));
      }
    }
  }
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> isas;
  for (Isa isa : reference::kAllIsas) {
    if (reference::isa_supported(isa)) isas.push_back(isa);
  }
  return isas;
}

RC_GTEST_PROP(FastPath, gives_the_exact_paths_bits_on_random_and_adversarial_data, ()) {
  const FastCase c = draw_case();
  RC_TAG(describe(c));
  const Outputs exact = run_with(c, Path::exact, Isa::portable);
  for (Isa isa : supported_isas()) {
    require_identical(run_with(c, Path::fast, isa), exact,
                      std::string(reference::to_string(isa)) + " " + describe(c));
  }
}

// --- deterministic cases: large channels and the fallbacks -----------------------------------

// A tensor of `shape` in `layout` whose storage holds f(i) at storage index i.
template <class F>
Tensor filled(const Shape& shape, Layout layout, F f) {
  Tensor t = reference::make_tensor(shape, layout);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = f(i);
  return t;
}

// Deterministic pseudo-random doubles in [-1, 1) (64-bit LCG, top 53 bits).
double lcg(std::size_t i) {
  std::uint64_t s = i * 6364136223846793005ULL + 1442695040888963407ULL;
  s ^= s >> 29;
  s *= 0xbf58476d1ce4e5b9ULL;
  s ^= s >> 32;
  return static_cast<double>(s >> 11) * 0x1p-52 - 1.0;
}

struct Run {
  Outputs outputs;
  reference::FastPathCounters counters;
};

Run run_counted(const FastCase& c, Path path, Isa isa) {
  reference::reset_fast_path_counters();
  Run run{run_with(c, path, isa), {}};
  run.counters = reference::fast_path_counters();
  return run;
}

FastCase fixed_case(const Shape& shape, Layout layout, Tensor x, Tensor dy) {
  FastCase c;
  c.spec = reference::preset("pytorch");
  c.shape = shape;
  c.layout = layout;
  c.dy_layout = layout;
  c.x = std::move(x);
  c.dy = std::move(dy);
  c.params = reference::default_affine(shape[1]);
  for (std::size_t ch = 0; ch < shape[1]; ++ch) c.params.bias(ch) = 0.25 * static_cast<double>(ch);
  c.running = reference::default_running_stats(shape[1]);
  return c;
}

// Runs `c` exactly and on the fast path with every instruction set; expects identical bits and
// returns the counters of the widest instruction set's run.
reference::FastPathCounters expect_identical(const FastCase& c) {
  const Run exact = run_counted(c, Path::exact, Isa::portable);
  reference::FastPathCounters last{};
  for (Isa isa : supported_isas()) {
    const Run fast = run_counted(c, Path::fast, isa);
    EXPECT_EQ(fast.outputs.error, exact.outputs.error);
    EXPECT_EQ(fast.outputs.names, exact.outputs.names);
    for (std::size_t k = 0; k < exact.outputs.values.size(); ++k) {
      const auto& f = fast.outputs.values[k];
      const auto& e = exact.outputs.values[k];
      std::size_t differ = 0, first = e.size();
      for (std::size_t i = 0; i < e.size(); ++i) {
        if (f[i] == e[i]) continue;
        if (differ++ == 0) first = i;
      }
      EXPECT_EQ(differ, 0u) << reference::to_string(isa) << " " << exact.outputs.names[k]
                            << ": first at " << first << ", fast "
                            << (first < e.size() ? hex(f[first]) : "") << ", exact "
                            << (first < e.size() ? hex(e[first]) : "");
    }
    last = fast.counters;
  }
  return last;
}

TEST(FastPath, large_channels_flush_many_times_and_stay_exact) {
  // 2 channels of 3 * 300,000 values (far beyond the 2^11 vectors between flushes), offset data
  // whose sum of squares cancels by 16 digits; and the same across channels.
  for (Layout layout : {Layout::channels_first, Layout::channels_last}) {
    const Shape shape{3, 2, 300000};
    const FastCase c =
        fixed_case(shape, layout, filled(shape, layout, [](std::size_t i) { return 1e8 + lcg(i); }),
                   filled(shape, layout, [](std::size_t i) { return lcg(i + 7); }));
    const auto counters = expect_identical(c);
    EXPECT_EQ(counters.channels_fallback, 0u);
    EXPECT_GT(counters.channels_fast, 0u);
  }
}

TEST(FastPath, non_finite_and_out_of_range_channels_fall_back_to_the_exact_path) {
  const Shape shape{4, 3, 40};
  for (const double special : {std::numeric_limits<double>::infinity(),
                               std::numeric_limits<double>::quiet_NaN(), 1e200, 0x1p-1060}) {
    const FastCase c =
        fixed_case(shape, Layout::channels_first,
                   filled(shape, Layout::channels_first,
                          [&](std::size_t i) { return i == 45 ? special : lcg(i); }),
                   filled(shape, Layout::channels_first, [](std::size_t i) { return lcg(i + 1); }));
    const auto counters = expect_identical(c);
    EXPECT_GT(counters.channels_fallback, 0u) << special;
  }
}

TEST(FastPath, values_below_the_last_level_go_to_the_superaccumulator) {
  // Magnitudes 1 and 2^-80 in one channel: the small values' bits lie below the second level.
  const Shape shape{4, 2, 64};
  const FastCase c = fixed_case(
      shape, Layout::channels_first,
      filled(shape, Layout::channels_first,
             [](std::size_t i) { return i % 3 == 0 ? 0x1p-80 * (1.0 + lcg(i)) : lcg(i); }),
      filled(shape, Layout::channels_first, [](std::size_t i) { return lcg(i + 1); }));
  const auto counters = expect_identical(c);
  EXPECT_GT(counters.residual_terms, 0u);
  EXPECT_EQ(counters.channels_fallback, 0u);
}

TEST(FastPath, products_near_underflow_use_the_scalar_formula) {
  // Deviations of 2^-500 scaled by 1/sqrt(var) ~ 2^500 are fine, but with eval statistics
  // var = 1 the products are ~2^-500 * 2^-480: below 2^-969, where the error term of the
  // product may underflow.
  const Shape shape{4, 2, 64};
  FastCase c = fixed_case(
      shape, Layout::channels_first,
      filled(shape, Layout::channels_first, [](std::size_t i) { return 0x1p-500 * lcg(i); }),
      filled(shape, Layout::channels_first, [](std::size_t i) { return 0x1p-480 * lcg(i + 1); }));
  for (std::size_t ch = 0; ch < shape[1]; ++ch) c.params.weight(ch) = 0x1p-480;
  const auto counters = expect_identical(c);
  EXPECT_GT(counters.elements_guarded, 0u);
}

}  // namespace
}  // namespace bnconf::property
