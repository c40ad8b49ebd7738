// shrink.hpp
#include "shrink.hpp"

namespace bnconf::fuzz {
namespace {

using Json = nlohmann::ordered_json;

void add_shape_steps(const Json& c, std::vector<Json>& out) {
  if (!c.contains("shape")) return;
  const auto shape = c["shape"].get<std::vector<std::size_t>>();
  // Fewer axes first (a spatial axis folded into the batch keeps M), then each extent halved,
  // then set to 1.
  if (shape.size() > 2) {
    Json fewer = c;
    auto folded = shape;
    folded[0] *= folded.back();
    folded.pop_back();
    fewer["shape"] = folded;
    out.push_back(fewer);
  }
  for (const std::size_t target : {std::size_t{0}, std::size_t{1}}) {
    for (std::size_t axis = 0; axis < shape.size(); ++axis) {
      if (shape[axis] <= 1) continue;
      Json smaller = c;
      auto s = shape;
      s[axis] = target == 0 ? shape[axis] / 2 : 1;
      if (s[axis] == shape[axis]) continue;
      smaller["shape"] = s;
      out.push_back(smaller);
    }
  }
}

void add_data_steps(const Json& c, std::vector<Json>& out) {
  if (!c.contains("data")) return;
  const Json& data = c["data"];
  for (const auto& [name, recipe] : data.items()) {
    Json without = c;
    without["data"].erase(name);  // the default recipe
    out.push_back(without);
    if (!recipe.is_object()) continue;
    for (const char* key : {"inject", "weight_inject", "bias_inject", "offset", "count"}) {
      if (!recipe.contains(key)) continue;
      Json plainer = c;
      plainer["data"][name].erase(key);
      out.push_back(plainer);
    }
    for (const char* key : {"inject", "weight_inject", "bias_inject"}) {
      if (!recipe.contains(key) || recipe[key].empty() || recipe[key][0].value("element", 0) == 0) {
        continue;
      }
      Json first = c;  // the special value at element 0, which every smaller shape has
      first["data"][name][key][0]["element"] = 0;
      out.push_back(first);
    }
  }
}

void add_option_steps(const Json& c, std::vector<Json>& out) {
  for (const char* key : {"view", "dy_layout", "momentum", "eps", "affine", "track_running_stats",
                          "mutate"}) {
    if (!c.contains(key)) continue;
    Json without = c;
    without.erase(key);
    out.push_back(without);
  }
  const std::pair<const char*, const char*> plain[] = {
      {"preset", "pytorch"}, {"layout", "channels_first"}, {"dtype", "f32"}};
  for (const auto& [key, value] : plain) {
    if (!c.contains(key) || c[key] == value) continue;
    Json simpler = c;
    simpler[key] = value;
    out.push_back(simpler);
  }
  if (c.value("steps", 1) > 2) {
    Json fewer = c;
    fewer["steps"] = 2;
    out.push_back(fewer);
  }
}

}  // namespace

std::vector<Json> simplifications(const Json& case_object) {
  std::vector<Json> out;
  add_shape_steps(case_object, out);
  add_data_steps(case_object, out);
  add_option_steps(case_object, out);
  return out;
}

std::pair<Json, std::size_t> shrink(
    const Json& failing, const Outcome& target,
    const std::function<std::optional<Outcome>(const Json&)>& attempt, std::size_t max_runs) {
  Json best = failing;
  std::size_t runs = 0;
  bool progress = true;
  while (progress && runs < max_runs) {
    progress = false;
    for (const Json& candidate : simplifications(best)) {
      if (runs >= max_runs) break;
      ++runs;
      const std::optional<Outcome> got = attempt(candidate);
      if (got && *got == target) {
        best = candidate;
        progress = true;
        break;
      }
    }
  }
  return {best, runs};
}

}  // namespace bnconf::fuzz
