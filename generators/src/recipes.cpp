#include "recipes.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "bnconf/cases/tensor_arrays.hpp"
#include "bnconf/ieee/dtype.hpp"
#include "bnconf/ieee/rounding.hpp"
#include "bnconf/random/distributions.hpp"
#include "bnconf/random/stream.hpp"

namespace bnconf::generators {
namespace {

using Json = nlohmann::ordered_json;
namespace rnd = bnconf::random;

double special_value(const Json& value) {
  if (value.is_number()) return value.get<double>();
  const std::string name = value.get<std::string>();
  if (name == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (name == "inf") return std::numeric_limits<double>::infinity();
  if (name == "-inf") return -std::numeric_limits<double>::infinity();
  throw std::invalid_argument("unknown special value '" + name + "'");
}

// Overwrites the listed elements (row-major indices) of `values`.
void inject(const Json& injections, std::vector<double>& values) {
  for (const auto& injection : injections) {
    const auto element = injection.at("element").get<std::size_t>();
    if (element >= values.size()) {
      throw std::invalid_argument("inject element " + std::to_string(element) + " is out of range");
    }
    values[element] = special_value(injection.at("value"));
  }
}

// Per-channel (mean, std) of normal data: std = s * U(0.5, 2), mean = +-r * std.
struct ChannelMoments {
  double mean;
  double std;
};

std::vector<ChannelMoments> channel_moments(const Json& recipe, std::size_t channels,
                                            std::uint64_t seed, std::uint64_t stream) {
  const double offset = recipe.value("offset", 0.0);
  const double scale = recipe.value("std", 1.0);
  rnd::Stream draws(seed, stream * 1000 + static_cast<std::uint64_t>(TensorId::channel_moments));
  std::vector<ChannelMoments> moments(channels);
  for (auto& m : moments) {
    auto element = draws.next_element();
    m.std = scale * rnd::uniform(element, 0.5, 2.0);
    m.mean = rnd::random_sign(element) * offset * m.std;
  }
  return moments;
}

std::vector<double> draw_values(const Json& recipe, const std::vector<std::size_t>& shape,
                                ieee::Dtype dtype, std::uint64_t seed, std::uint64_t stream) {
  std::size_t count = 1;
  for (auto d : shape) count *= d;
  const std::size_t channels = shape.size() > 1 ? shape[1] : 1;
  const std::size_t inner =
      channels == 0 ? 0 : count / std::max<std::size_t>(shape[0], 1) / channels;
  const std::string kind = recipe.value("kind", std::string("normal"));
  std::vector<double> values(count);
  rnd::Stream draws(seed, stream);
  const auto moments = channel_moments(recipe, channels, seed, stream);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t c = inner == 0 ? 0 : (i / inner) % channels;
    auto element = draws.element(i);
    double v = 0;
    if (kind == "normal") {
      v = rnd::normal(element, moments[c].mean, moments[c].std);
    } else if (kind == "constant") {
      v = recipe.at("value").get<double>() * (1.0 + static_cast<double>(c) / 4.0);
    } else if (kind == "uniform") {
      v = rnd::uniform(element, recipe.at("low").get<double>(), recipe.at("high").get<double>());
    } else if (kind == "mixed_magnitude") {
      const auto lo = recipe.at("min_exp").get<int>();
      const auto hi = recipe.at("max_exp").get<int>();
      const auto k =
          lo + static_cast<int>(rnd::uniform_int(element, static_cast<std::uint64_t>(hi - lo + 1)));
      v = rnd::random_sign(element) * std::ldexp(1.0 + rnd::uniform01(element), k);
    } else if (kind == "near_max") {
      v = rnd::random_sign(element) * recipe.value("fraction", 0.5) * ieee::max_finite(dtype) *
          rnd::uniform(element, 0.5, 1.0);
    } else if (kind == "subnormal") {
      v = rnd::random_sign(element) * ieee::smallest_subnormal(dtype) *
          static_cast<double>(1 + rnd::uniform_int(element, 64));
    } else if (kind == "sparse") {
      const bool kept = rnd::bernoulli(element, recipe.value("density", 0.1));
      v = kept ? rnd::normal(element, moments[c].mean, moments[c].std) : 0.0;
    } else {
      throw std::invalid_argument("unknown data kind '" + kind + "'");
    }
    values[i] = ieee::round_to(v, dtype);
  }
  inject(recipe.value("inject", Json::array()), values);
  return values;
}

}  // namespace

reference::Tensor draw_tensor(const Json& recipe, const std::vector<std::size_t>& shape,
                              reference::Layout layout, ieee::Dtype dtype, std::uint64_t seed,
                              std::uint64_t stream) {
  return cases::to_tensor({shape, draw_values(recipe, shape, dtype, seed, stream)}, layout);
}

reference::AffineParams draw_params(const Json& recipe, std::size_t channels, ieee::Dtype dtype,
                                    std::uint64_t seed) {
  reference::AffineParams params = reference::default_affine(channels);
  const std::string kind = recipe.value("kind", std::string("random"));
  if (kind == "values") {
    // The same gamma and beta in every channel (zero or negative gamma, large beta).
    for (std::size_t c = 0; c < channels; ++c) {
      params.weight(c) = ieee::round_to(special_value(recipe.at("weight")), dtype);
      params.bias(c) = ieee::round_to(special_value(recipe.at("bias")), dtype);
    }
  } else if (kind == "random") {
    rnd::Stream draws(seed, static_cast<std::uint64_t>(TensorId::params));
    for (std::size_t c = 0; c < channels; ++c) {
      auto element = draws.element(c);
      params.weight(c) =
          ieee::round_to(rnd::random_sign(element) * rnd::uniform(element, 0.5, 2.0), dtype);
      params.bias(c) = ieee::round_to(rnd::uniform(element, -1.0, 1.0), dtype);
    }
  }
  std::vector<double> weight(params.weight.begin(), params.weight.end());
  std::vector<double> bias(params.bias.begin(), params.bias.end());
  inject(recipe.value("weight_inject", Json::array()), weight);
  inject(recipe.value("bias_inject", Json::array()), bias);
  std::copy(weight.begin(), weight.end(), params.weight.begin());
  std::copy(bias.begin(), bias.end(), params.bias.begin());
  return params;
}

reference::RunningStats draw_running(const Json& recipe, std::size_t channels, ieee::Dtype dtype,
                                     std::uint64_t seed) {
  reference::RunningStats running = reference::default_running_stats(channels);
  const std::string kind = recipe.value("kind", std::string("random"));
  if (kind == "random") {
    rnd::Stream draws(seed, static_cast<std::uint64_t>(TensorId::running));
    for (std::size_t c = 0; c < channels; ++c) {
      auto element = draws.element(c);
      running.mean(c) = ieee::round_to(rnd::normal(element, 0.0, 1.0), dtype);
      running.var(c) = ieee::round_to(rnd::uniform(element, 0.5, 2.0), dtype);
    }
    running.num_batches_tracked =
        static_cast<std::int64_t>(rnd::uniform_int(draws.element(channels), 6));
    // A counter at a type's limit (int32, the doubles' 2^53) with random statistics.
    if (recipe.contains("count")) running.num_batches_tracked = recipe.at("count").get<std::int64_t>();
  } else if (kind == "values") {
    for (std::size_t c = 0; c < channels; ++c) {
      running.mean(c) = ieee::round_to(special_value(recipe.at("mean")), dtype);
      running.var(c) = ieee::round_to(special_value(recipe.at("var")), dtype);
    }
    running.num_batches_tracked = recipe.value("count", std::int64_t{0});
  } else if (kind != "default") {
    throw std::invalid_argument("unknown running statistics kind '" + kind + "'");
  }
  return running;
}

}  // namespace bnconf::generators
