#include "bnconf/generators/catalogue.hpp"

#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "bnconf/cases/tiers.hpp"
#include "bnconf/formats/manifest.hpp"
#include "bnconf/generators/covering_array.hpp"
#include "bnconf/reference/spec.hpp"

namespace bnconf::generators {
namespace {

using Json = nlohmann::ordered_json;

// Keys a case object may hold (after merging base, entry and product values).
const std::set<std::string> kCaseKeys{"name",
                                      "operation",
                                      "preset",
                                      "eps",
                                      "momentum",
                                      "momentum_convention",
                                      "running_var_estimator",
                                      "affine",
                                      "track_running_stats",
                                      "shape",
                                      "layout",
                                      "dy_layout",
                                      "view",
                                      "dtype",
                                      "steps",
                                      "data",
                                      "expected_error",
                                      "mutate",
                                      "call",
                                      "description",
                                      "tags"};

[[noreturn]] void fail(const std::string& where, const std::string& message) {
  throw CatalogueError("catalogue: " + where + ": " + message);
}

// The text a product-axis value contributes to a case id.
std::string id_part(const std::string& key, const Json& value) {
  if (key == "shape") {
    std::string text;
    for (const auto& d : value) {
      if (!text.empty()) text += 'x';
      text += std::to_string(d.get<long>());
    }
    return text;
  }
  if (key == "data" || value.is_object()) return value.value("name", "data");
  if (key == "affine") return value.get<bool>() ? "affine" : "no_affine";
  if (key == "track_running_stats") return value.get<bool>() ? "tracked" : "untracked";
  if (key == "momentum") {
    return value.is_string() ? "m_" + value.get<std::string>()
                             : "m" + reference::shortest_decimal(value.get<double>());
  }
  if (key == "eps") {
    return "eps" + (value.is_string() ? value.get<std::string>()
                                      : reference::shortest_decimal(value.get<double>()));
  }
  if (key == "steps") return std::to_string(value.get<int>()) + "_steps";
  if (value.is_string()) return value.get<std::string>();
  return key + value.dump();
}

// A number, or one of the strings "nan", "inf", "-inf" (JSON has no special values; error cases
// use them for eps and momentum).
double number(const Json& value, const char* key, const std::string& where) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (text == "inf") return std::numeric_limits<double>::infinity();
    if (text == "-inf") return -std::numeric_limits<double>::infinity();
  }
  fail(where, std::string(key) + " should be a number, \"nan\", \"inf\" or \"-inf\"");
}

template <class T, class Parse>
T parse_name(const Json& c, const char* key, Parse parse, const std::string& where) {
  const std::string text = c.at(key).get<std::string>();
  const auto value = parse(text);
  if (!value) fail(where, std::string(key) + " '" + text + "' is not known");
  return *value;
}

cases::CaseSpec to_spec(const Json& c, const std::string& id, const std::string& tier,
                        const std::vector<std::string>& group_tags,
                        const std::string& group_description) {
  const std::string& where = id;
  cases::CaseSpec spec;
  spec.id = id;
  spec.tier = tier;
  spec.operation =
      parse_name<cases::Operation>(c, "operation", cases::operation_from_string, where);
  spec.spec = reference::preset(c.value("preset", std::string("pytorch")));
  if (c.contains("eps")) spec.spec.eps = number(c["eps"], "eps", where);
  if (c.contains("momentum")) {
    const Json& m = c["momentum"];
    if (m.is_string() && m.get<std::string>() == "none") {
      spec.spec.momentum = std::nullopt;
    } else {
      spec.spec.momentum = number(m, "momentum", where);
    }
  }
  if (c.contains("momentum_convention")) {
    spec.spec.momentum_convention = parse_name<reference::MomentumConvention>(
        c, "momentum_convention", reference::momentum_convention_from_string, where);
  }
  if (c.contains("running_var_estimator")) {
    spec.spec.running_var_estimator = parse_name<reference::RunningVarEstimator>(
        c, "running_var_estimator", reference::running_var_estimator_from_string, where);
  }
  spec.spec.affine = c.value("affine", true);
  spec.spec.track_running_stats = c.value("track_running_stats", true);
  spec.shape = c.at("shape").get<std::vector<std::size_t>>();
  spec.layout = parse_name<reference::Layout>(c, "layout", reference::layout_from_string, where);
  if (c.contains("dy_layout")) {
    spec.dy_layout =
        parse_name<reference::Layout>(c, "dy_layout", reference::layout_from_string, where);
  }
  if (c.contains("view")) {
    spec.view = parse_name<cases::View>(c, "view", cases::view_from_string, where);
  }
  spec.dtype = parse_name<ieee::Dtype>(c, "dtype", ieee::dtype_from_string, where);
  spec.steps = c.value("steps", 1);
  if (c.contains("expected_error")) {
    spec.expected_error = parse_name<reference::ErrorKind>(
        c, "expected_error", reference::error_kind_from_string, where);
  }
  if (c.contains("call")) {
    spec.call = parse_name<cases::Operation>(c, "call", cases::operation_from_string, where);
  }
  if ((spec.operation == cases::Operation::error) != spec.expected_error.has_value()) {
    fail(where, "expected_error must be given exactly for operation \"error\"");
  }
  spec.tags = group_tags;
  for (const auto& tag : c.value("tags", std::vector<std::string>{})) spec.tags.push_back(tag);
  spec.description = group_description;
  if (c.contains("description")) {
    spec.description += (spec.description.empty() ? "" : " ") + c["description"].get<std::string>();
  }
  // Seed: the first 63 bits of SHA-256(id), stable under any change to other cases.
  const std::string digest = formats::sha256_hex(id.data(), id.size());
  spec.seed = static_cast<std::int64_t>(std::stoull(digest.substr(0, 16), nullptr, 16) >> 1);
  return spec;
}

// All combinations of the product axes, in the order the axes are listed.
std::vector<std::vector<std::pair<std::string, Json>>> combinations(const Json& product) {
  std::vector<std::vector<std::pair<std::string, Json>>> result{{}};
  for (const auto& [key, values] : product.items()) {
    std::vector<std::vector<std::pair<std::string, Json>>> next;
    for (const auto& partial : result) {
      for (const auto& value : values) {
        auto extended = partial;
        extended.emplace_back(key, value);
        next.push_back(std::move(extended));
      }
    }
    result = std::move(next);
  }
  return result;
}

// The rows of a strength-2 covering array of the axes (covering_array.hpp), as combinations.
std::vector<std::vector<std::pair<std::string, Json>>> pairwise_combinations(const Json& axes) {
  std::vector<std::pair<std::string, Json>> listed;
  std::vector<std::size_t> sizes;
  for (const auto& [key, values] : axes.items()) {
    listed.emplace_back(key, values);
    sizes.push_back(values.size());
  }
  std::vector<std::vector<std::pair<std::string, Json>>> result;
  for (const auto& row : pairwise_rows(sizes)) {
    std::vector<std::pair<std::string, Json>> combination;
    for (std::size_t axis = 0; axis < row.size(); ++axis) {
      combination.emplace_back(listed[axis].first, listed[axis].second[row[axis]]);
    }
    result.push_back(std::move(combination));
  }
  return result;
}

// Everything make_entry makes an entry from, as compact JSON with its keys sorted at every level
// (nlohmann::json orders keys; the order keys are written in the catalogue means nothing).
std::string canonical_text(const Json& c, const std::string& id, const std::string& tier,
                           const std::vector<std::string>& group_tags,
                           const std::string& description, bool on_demand) {
  const nlohmann::json record = {{"id", id},
                                 {"tier", tier},
                                 {"case", nlohmann::json::parse(c.dump())},
                                 {"group_tags", group_tags},
                                 {"group_description", description},
                                 {"on_demand", on_demand}};
  return record.dump();
}

CatalogueEntry make_entry(const Json& c, const std::string& id, const std::string& tier,
                          const std::vector<std::string>& group_tags,
                          const std::string& description, bool on_demand) {
  for (const auto& [key, value] : c.items()) {
    if (!kCaseKeys.count(key)) fail(id, "unknown key \"" + key + "\"");
  }
  CatalogueEntry out;
  out.canonical_text = canonical_text(c, id, tier, group_tags, description, on_demand);
  try {
    out.spec = to_spec(c, id, tier, group_tags, description);
  } catch (const Json::exception& e) {
    fail(id, e.what());
  } catch (const reference::BatchNormError& e) {
    fail(id, e.what());
  }
  out.data = c.value("data", Json::object());
  out.mutate = c.value("mutate", Json::object());
  out.on_demand = on_demand;
  return out;
}

void expand_group(const Json& group, std::vector<CatalogueEntry>& entries,
                  std::set<std::string>& ids) {
  const std::string name = group.at("name").get<std::string>();
  const std::string tier = group.at("tier").get<std::string>();
  const std::string where = "group " + name;
  if (!cases::is_tier(tier)) fail(where, "tier '" + tier + "' is not one of the tier table's");
  const Json base = group.value("base", Json::object());
  const Json cases = group.value("cases", Json::array({Json::object()}));
  const Json product = group.value("product", Json::object());
  const Json pairwise = group.value("pairwise", Json::object());
  for (const auto& [axes, label] :
       {std::pair{product, "product"}, std::pair{pairwise, "pairwise"}}) {
    if (!axes.is_object()) fail(where, std::string(label) + " should be an object of lists");
    for (const auto& [key, values] : axes.items()) {
      if (!values.is_array() || values.empty()) {
        fail(where, std::string(label) + "." + key + " should be a non-empty list");
      }
    }
  }
  if (!product.empty() && !pairwise.empty()) fail(where, "has both product and pairwise axes");
  // Every combination of the product axes, or the rows of a covering array of the pairwise ones.
  const auto combos = pairwise.empty() ? combinations(product) : pairwise_combinations(pairwise);
  const auto group_tags = group.value("tags", std::vector<std::string>{});
  const std::string description = group.value("description", std::string());
  for (const auto& entry : cases) {
    for (const auto& combination : combos) {
      Json c = base;
      c.update(entry);
      std::string id = tier + "." + name;
      if (entry.contains("name")) id += "." + entry["name"].get<std::string>();
      for (const auto& [key, value] : combination) {
        c[key] = value;
        id += '.';
        id += id_part(key, value);
      }
      if (!ids.insert(id).second) fail(id, "duplicate case id");
      entries.push_back(
          make_entry(c, id, tier, group_tags, description, group.value("on_demand", false)));
    }
  }
}

}  // namespace

Catalogue load_catalogue(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CatalogueError("catalogue: " + path + ": cannot be read");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  Catalogue catalogue;
  Json json;
  try {
    json = Json::parse(text);
  } catch (const Json::exception& e) {
    throw CatalogueError("catalogue: " + path + ": " + e.what());
  }
  std::set<std::string> ids;
  for (const auto& group : json.at("groups")) expand_group(group, catalogue.entries, ids);
  return catalogue;
}

CatalogueEntry entry_from_json(const Json& case_object, const std::string& id,
                               const std::string& tier, bool on_demand) {
  if (!cases::is_tier(tier)) fail(id, "tier '" + tier + "' is not one of the tier table's");
  return make_entry(case_object, id, tier, {}, "", on_demand);
}

std::string catalogue_sha256(const std::vector<const CatalogueEntry*>& entries) {
  std::string text;
  for (const CatalogueEntry* entry : entries) text += entry->canonical_text + '\n';
  return formats::sha256_hex(text.data(), text.size());
}

std::string default_catalogue_path() { return BNCONF_SOURCE_DIR "/generators/catalogue.json"; }

}  // namespace bnconf::generators
