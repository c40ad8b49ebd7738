// draw.hpp. Every decision reads one element of the Philox stream (seed, index), so a case is a
// pure function of its number and the sequence replays exactly for the same seed.
#include "bnconf/fuzz/draw.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "bnconf/random/distributions.hpp"
#include "bnconf/random/stream.hpp"
#include "bnconf/reference/spec.hpp"

namespace bnconf::fuzz {
namespace {

using Json = nlohmann::ordered_json;

// Sizes where kernels change behaviour (docs/coverage.md): vector widths, warps, work-groups.
const std::vector<std::size_t> kBoundaries{1,   2,   15,  16,  17,  31,  32,   33,   63,  64,
                                           65,  127, 128, 129, 255, 256, 257, 1023, 1024, 1025};

class Dice {
 public:
  Dice(std::uint64_t seed, std::uint64_t index) : stream_(seed, index) {}
  std::size_t pick(std::size_t n) {
    return static_cast<std::size_t>(random::uniform_int(stream_.next_element(), n));
  }
  bool chance(double p) { return random::bernoulli(stream_.next_element(), p); }
  double uniform(double a, double b) { return random::uniform(stream_.next_element(), a, b); }
  template <class T>
  const T& one_of(const std::vector<T>& values) {
    return values[pick(values.size())];
  }

 private:
  random::Stream stream_;
};

bool has(std::uint32_t bits, std::uint32_t bit) { return (bits & bit) != 0; }

std::vector<std::size_t> divisors(std::size_t m) {
  std::vector<std::size_t> d;
  for (std::size_t k = 1; k * k <= m; ++k) {
    if (m % k) continue;
    d.push_back(k);
    if (k != m / k) d.push_back(m / k);
  }
  std::sort(d.begin(), d.end());
  return d;
}

// A size biased toward the boundaries: one of them with probability 1/2, else uniform in
// [low, high].
std::size_t size_near_boundaries(Dice& dice, std::size_t low, std::size_t high, std::size_t cap) {
  std::size_t v = dice.chance(0.5) ? dice.one_of(kBoundaries) : low + dice.pick(high - low + 1);
  return std::max<std::size_t>(std::min(v, cap), low);
}

// (N, C, spatial...) of rank `rank` with M = N x spatial values per channel.
std::vector<std::size_t> shape_of(Dice& dice, std::size_t rank, std::size_t c, std::size_t m) {
  std::vector<std::size_t> shape{0, c};
  if (m == 0) {  // empty: a zero batch, or a zero spatial extent
    const bool zero_batch = rank == 2 || dice.chance(0.5);
    shape[0] = zero_batch ? 0 : 1 + dice.pick(3);
    for (std::size_t a = 2; a < rank; ++a) shape.push_back(1 + dice.pick(3));
    if (!zero_batch) shape[2 + dice.pick(rank - 2)] = 0;
    return shape;
  }
  std::size_t rest = m;
  shape[0] = rank == 2 ? m : dice.one_of(divisors(m));
  rest /= shape[0];
  for (std::size_t a = 2; a < rank; ++a) {
    const std::size_t extent = a + 1 == rank ? rest : dice.one_of(divisors(rest));
    shape.push_back(extent);
    rest /= extent;
  }
  return shape;
}

const char* special(Dice& dice) { return dice.one_of(std::vector<const char*>{"nan", "inf", "-inf"}); }

Json injection(Dice& dice, std::size_t elements) {
  return Json::array({{{"value", special(dice)}, {"element", dice.pick(std::max<std::size_t>(elements, 1))}}});
}

// The data recipe of x (docs/fixture-format.md, "Input recipes").
Json x_recipe(Dice& dice, const std::string& dtype, std::size_t elements) {
  Json r = {{"kind", "normal"}};
  const std::size_t k = dice.pick(100);
  if (k < 15) {  // offset: |mean| / std = 10^U(1, limit of the dtype)
    const double limit = dtype == "f64" ? 8.0 : dtype == "f32" ? 4.0 : dtype == "f16" ? 2.0 : 1.5;
    r["offset"] = std::round(std::pow(10.0, dice.uniform(1.0, limit)));
    if (dtype == "bf16") r["std"] = 0.1;
  } else if (k < 22) {
    r = {{"kind", "constant"}, {"value", dice.one_of(std::vector<double>{0.0, 3.0, -100.0, 1e7})}};
  } else if (k < 27) {
    // Near f16's maximum; for the wide dtypes as large as a float or double sum of squares of
    // 4096 such values stays finite (beyond that a correct float accumulator overflows).
    const double fraction = dtype == "f16" ? 0.9 : dtype == "f64" ? 1e-160 : 1e-22;
    r = {{"kind", "near_max"}, {"fraction", fraction}};
  } else if (k < 32) {
    r = {{"kind", "subnormal"}};
  } else if (k < 40) {
    r = {{"kind", "mixed_magnitude"}, {"min_exp", -10}, {"max_exp", 10}};
  } else if (k < 48) {
    r = {{"kind", "sparse"}, {"density", 0.2}};
  } else if (k < 53) {
    r["std"] = 1e-4;  // variance far below eps
  }
  if (elements > 0 && dice.chance(0.08)) r["inject"] = injection(dice, elements);
  return r;
}

Json dy_recipe(Dice& dice, std::size_t elements) {
  Json r = {{"kind", "normal"}};
  const std::size_t k = dice.pick(100);
  if (k < 8) {
    r = {{"kind", "constant"}, {"value", dice.chance(0.5) ? 0.0 : 0.5}};
  } else if (k < 18) {
    r["offset"] = 20.0;
  } else if (k < 28) {
    r = {{"kind", "sparse"}, {"density", 0.1}};
  } else if (k < 38) {
    r = {{"kind", "mixed_magnitude"}, {"min_exp", -10}, {"max_exp", 10}};
  }
  if (elements > 0 && dice.chance(0.06)) r["inject"] = injection(dice, elements);
  return r;
}

Json running_recipe(Dice& dice) {
  const std::size_t k = dice.pick(100);
  if (k < 8) {
    const double var = dice.one_of(std::vector<double>{0.0, 1e5});
    return {{"kind", "values"}, {"mean", 0.5}, {"var", var}};
  }
  if (k < 11) return {{"kind", "values"}, {"mean", "nan"}, {"var", 1.0}};
  if (k < 14) return {{"kind", "values"}, {"mean", 0.5}, {"var", "inf"}};
  if (k < 22) return {{"kind", "default"}};
  Json r = {{"kind", "random"}};
  if (k < 40) {
    r["count"] = dice.one_of(std::vector<std::int64_t>{0, std::int64_t{1} << 24, 2147483647,
                                                       (std::int64_t{1} << 53) - 2});
  }
  return r;
}

// The presets whose conventions and estimator the backend declares.
std::vector<std::string> presets_of(const bnconf_capabilities& caps) {
  std::vector<std::string> usable;
  for (const auto& name : reference::preset_names()) {
    const auto spec = reference::preset(name);
    const auto convention = 1u << static_cast<unsigned>(spec.momentum_convention);
    const auto estimator = 1u << static_cast<unsigned>(spec.running_var_estimator);
    if (has(caps.conventions, convention) && has(caps.estimators, estimator)) usable.push_back(name);
  }
  return usable;
}

std::vector<std::string> dtypes_of(const bnconf_capabilities& caps) {
  std::vector<std::string> names;
  const char* all[] = {"f64", "f32", "f16", "bf16"};  // bnconf_dtype order
  for (unsigned d = 0; d < 4; ++d) {
    if (has(caps.dtypes, 1u << d)) names.emplace_back(all[d]);
  }
  return names;
}

std::vector<std::size_t> ranks_of(const bnconf_capabilities& caps) {
  std::vector<std::size_t> ranks;
  for (std::size_t r = 2; r <= 5; ++r) {
    if (has(caps.ranks, 1u << r)) ranks.push_back(r);
  }
  return ranks;
}

std::vector<std::string> layouts_of(const bnconf_capabilities& caps) {
  std::vector<std::string> layouts;
  if (has(caps.layouts, 1u << BNCONF_CHANNELS_FIRST)) layouts.emplace_back("channels_first");
  if (has(caps.layouts, 1u << BNCONF_CHANNELS_LAST)) layouts.emplace_back("channels_last");
  return layouts;
}

// Entry points the backend provides, as operations; a sequence needs both forward ones.
std::vector<std::string> operations_of(const bnconf_capabilities& caps) {
  std::vector<std::string> ops;
  const std::pair<std::uint32_t, const char*> entries[] = {
      {BNCONF_OP_FORWARD_TRAIN, "forward_train"},
      {BNCONF_OP_FORWARD_EVAL, "forward_eval"},
      {BNCONF_OP_BACKWARD_TRAIN, "backward_train"},
      {BNCONF_OP_BACKWARD_EVAL, "backward_eval"}};
  for (const auto& [bit, name] : entries) {
    if (has(caps.operations, bit)) ops.emplace_back(name);
  }
  if (has(caps.operations, BNCONF_OP_FORWARD_TRAIN) && has(caps.operations, BNCONF_OP_FORWARD_EVAL)) {
    ops.emplace_back("sequence");
  }
  return ops;
}

void draw_options(Dice& dice, const bnconf_capabilities& caps, Json& c) {
  const auto features = caps.features;
  if (has(features, BNCONF_FEATURE_NO_AFFINE) && dice.chance(0.2)) c["affine"] = false;
  if (has(features, BNCONF_FEATURE_UNTRACKED) && dice.chance(0.2)) c["track_running_stats"] = false;
  const std::size_t k = dice.pick(100);
  if (k < 15 && has(features, BNCONF_FEATURE_MOMENTUM_NONE)) {
    c["momentum"] = "none";
  } else if (k < 25) {
    c["momentum"] = 0.0;
  } else if (k < 35) {
    c["momentum"] = 1.0;
  } else if (k < 45) {
    c["momentum"] = std::round(dice.uniform(0.0, 1.0) * 1000.0) / 1000.0;
  }
  const std::size_t e = dice.pick(100);
  if (e < 10) {
    c["eps"] = 0.0;
  } else if (e < 18) {
    c["eps"] = 1e-12;
  } else if (e < 26) {
    c["eps"] = 0.5;
  }
}

// An invalid case: one error kind, made the way docs/semantics.md defines it, on an entry point
// it applies to. The reference must agree (the builder checks), else the caller redraws.
Json draw_error(Dice& dice, const std::vector<std::string>& entry_points, Json c) {
  c["operation"] = "error";
  c["shape"] = Json::array({4, 3, 5});
  const std::string call = dice.one_of(entry_points);
  c["call"] = call;
  const bool backward = call.rfind("backward", 0) == 0;
  const bool takes_running = call != "backward_train";
  std::vector<int> kinds{0, 1, 2, 3};  // rank, weight size, eps, weight without affine
  if (!backward) kinds.push_back(4);   // bias size
  if (takes_running) kinds.insert(kinds.end(), {5, 6, 7, 8});
  if (backward) kinds.push_back(9);  // dy shape
  if (call == "forward_train" || call == "backward_train") kinds.push_back(10);
  if (call == "forward_train") kinds.push_back(11);  // momentum
  switch (dice.one_of(kinds)) {
    case 0:
      c["expected_error"] = "bad_rank";
      c["shape"] = dice.chance(0.5) ? Json::array({12}) : Json::array({2, 3, 2, 2, 2, 2});
      break;
    case 1:
      c["expected_error"] = "channel_mismatch";
      c["mutate"] = {{"weight_size", 1 + dice.pick(2) * 3}};
      break;
    case 2:
      c["expected_error"] = "bad_eps";
      c["eps"] = dice.one_of(std::vector<Json>{-1e-5, "nan", "inf"});
      break;
    case 3:
      c["expected_error"] = "unexpected_parameter";
      c["affine"] = false;
      c["mutate"] = {{"weight_size", 3}};
      break;
    case 4:
      c["expected_error"] = "channel_mismatch";
      c["mutate"] = {{"bias_size", 2}};
      break;
    case 5:
      c["expected_error"] = "channel_mismatch";
      c["mutate"] = {{dice.chance(0.5) ? "running_mean_size" : "running_var_size", 4}};
      break;
    case 6:
      c["expected_error"] = "missing_running_stats";
      c["mutate"] = {{"drop_running", true}};
      break;
    case 7:
      c["expected_error"] = "unexpected_parameter";
      c["track_running_stats"] = false;
      c["mutate"] = {{"running_when_untracked", true}};
      break;
    case 8:
      c["expected_error"] = "bad_num_batches_tracked";
      c["data"] = {{"running", {{"kind", "random"}, {"count", -1}}}};
      break;
    case 9:
      c["expected_error"] = "shape_mismatch";
      c["mutate"] = {{"dy_shape", Json::array({4, 3, 4})}};
      break;
    case 10:
      c["expected_error"] = "too_few_values_per_channel";
      c["preset"] = "pytorch";
      c["shape"] = Json::array({1, 3});
      break;
    default:
      c["expected_error"] = "bad_momentum";
      c["momentum"] = dice.one_of(std::vector<Json>{1.5, -0.1, "nan", "inf"});
      break;
  }
  return c;
}

}  // namespace

Json draw_case(std::uint64_t seed, std::uint64_t index, const bnconf_capabilities& caps,
               const DrawLimits& limits) {
  Dice dice(seed, index);
  const auto dtypes = dtypes_of(caps);
  const auto ranks = ranks_of(caps);
  const auto layouts = layouts_of(caps);
  const auto presets = presets_of(caps);
  auto operations = operations_of(caps);
  if (dtypes.empty() || ranks.empty() || layouts.empty() || presets.empty() || operations.empty()) {
    return Json();  // nothing this backend declares can be drawn
  }
  Json c;
  c["preset"] = dice.chance(0.4) ? std::string("pytorch") : dice.one_of(presets);
  c["dtype"] = dice.one_of(dtypes);
  c["layout"] = dice.one_of(layouts);
  if (has(caps.features, BNCONF_FEATURE_VALIDATES_INPUT) && dice.chance(0.1)) {
    operations.pop_back();  // no sequence: the entry points
    return draw_error(dice, operations, c);
  }
  const std::string operation = dice.one_of(operations);
  c["operation"] = operation;
  const std::size_t rank = dice.one_of(ranks);
  const std::size_t budget = std::max<std::size_t>(limits.max_elements, 1);
  std::size_t channels = size_near_boundaries(dice, 1, 24, budget);
  std::size_t m = dice.chance(0.04) ? 0 : size_near_boundaries(dice, 2, 64, budget);
  if (m > 0 && channels * m > budget) channels = std::max<std::size_t>(budget / m, 1);
  if (m > 0 && channels * m > budget) m = std::max<std::size_t>(budget / channels, 1);
  c["shape"] = shape_of(dice, rank, channels, m);
  const bool single = operation != "sequence";
  const bool backward = operation.rfind("backward", 0) == 0;
  if (backward && rank > 2 && layouts.size() == 2 && dice.chance(0.25)) {
    c["dy_layout"] = c["layout"] == "channels_first" ? "channels_last" : "channels_first";
  }
  if (single && has(caps.features, BNCONF_FEATURE_STRIDED) && dice.chance(0.2)) {
    c["view"] = "strided";
  }
  if (operation == "sequence") c["steps"] = 2 + dice.pick(3);
  draw_options(dice, caps, c);
  const std::size_t elements = channels * m;
  Json data = Json::object();
  data["x"] = x_recipe(dice, c["dtype"].get<std::string>(), elements);
  if (backward) data["dy"] = dy_recipe(dice, elements);
  if (dice.chance(0.15)) {
    data["params"] = {{"kind", "values"},
                      {"weight", dice.one_of(std::vector<double>{0.0, -1.5, 2.0})},
                      {"bias", 0.75}};
  } else if (dice.chance(0.04)) {
    data["params"] = {{"kind", "random"},
                      {dice.chance(0.5) ? "weight_inject" : "bias_inject",
                       Json::array({{{"value", special(dice)}, {"element", dice.pick(channels)}}})}};
  }
  data["running"] = running_recipe(dice);
  c["data"] = data;
  return c;
}

}  // namespace bnconf::fuzz
