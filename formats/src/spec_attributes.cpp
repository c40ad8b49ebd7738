#include "spec_attributes.hpp"

#include <cmath>

#include "bnconf/cases/operations.hpp"
#include "bnconf/cases/tiers.hpp"
#include "case_names.hpp"
#include "hdf5_handle.hpp"

namespace bnconf::formats {

namespace {

constexpr const char* kExponential = "exponential";
constexpr const char* kCumulative = "cumulative_average";
// Shapes whose element count exceeds this are rejected: no fixture is anywhere near it, and it
// keeps size arithmetic far from overflow.
constexpr std::size_t kMaxCaseElements = std::size_t{1} << 31;
constexpr std::int64_t kMaxSteps = 100000;

[[noreturn]] void fail(const std::string& field, const std::string& message) {
  throw SpecAttributeError(field, message);
}

template <class T>
T required(std::optional<T> value, const std::string& field) {
  if (!value) fail(field, "attribute is missing");
  return *value;
}

// Parses `text` with `parse` (returning an optional) or fails naming the field.
template <class Parse>
auto parsed(const std::string& text, const std::string& field, Parse parse, const char* what) {
  const auto value = parse(text);
  if (!value) fail(field, "'" + text + "' is not a known " + what);
  return *value;
}

double finite(double value, const std::string& field) {
  if (!std::isfinite(value))
    fail(field, "should be finite not " + reference::shortest_decimal(value));
  return value;
}

bool flag(std::int64_t value, const std::string& field) {
  if (value != 0 && value != 1) fail(field, "should be 0 or 1 not " + std::to_string(value));
  return value == 1;
}

// The attributes of one case group, each read or failing with the attribute's name.
class Attributes {
 public:
  Attributes(hid_t group, const std::string& where) : group_(group), where_(where) {}
  std::string text(const char* name) const {
    return required(hdf5::read_string_attribute(group_, name, where_), name);
  }
  std::int64_t integer(const char* name) const {
    return required(hdf5::read_int_attribute(group_, name, where_), name);
  }
  // Finite unless `any` (error cases hold non-finite eps and momentum on purpose).
  double number(const char* name, bool any = false) const {
    const double value = required(hdf5::read_double_attribute(group_, name, where_), name);
    return any ? value : finite(value, name);
  }
  template <class Parse>
  auto named(const char* name, Parse parse, const char* what) const {
    return parsed(text(name), name, parse, what);
  }
  hid_t group() const { return group_; }
  const std::string& where() const { return where_; }

 private:
  hid_t group_;
  const std::string& where_;
};

// momentum_mode and, for the exponential mode, momentum.
std::optional<double> read_momentum(const Attributes& in, bool any) {
  const std::string mode = in.text("momentum_mode");
  if (mode == kExponential) return in.number("momentum", any);
  if (mode != kCumulative) {
    fail("momentum_mode", "should be exponential or cumulative_average not '" + mode + "'");
  }
  return std::nullopt;
}

// 1 to 8 non-negative extents, at most 2^31 elements in all.
std::vector<std::size_t> read_shape(const Attributes& in) {
  const auto shape =
      required(hdf5::read_int_list_attribute(in.group(), "shape", in.where()), "shape");
  if (shape.empty() || shape.size() > 8) fail("shape", "should have 1 to 8 dimensions");
  std::vector<std::size_t> extents;
  std::size_t product = 1;
  for (std::int64_t d : shape) {
    if (d < 0) fail("shape", "has a negative dimension " + std::to_string(d));
    const auto dim = static_cast<std::size_t>(d);
    if (dim != 0 && product > kMaxCaseElements / dim) {
      fail("shape", "has absurd dimensions (more than 2^31 elements)");
    }
    product *= dim;
    extents.push_back(dim);
  }
  return extents;
}

// expected_error (any case may name one; error cases must) and, for error cases, the entry point
// they call.
void read_error_fields(const Attributes& in, CaseSpec& spec) {
  if (auto error = hdf5::read_string_attribute(in.group(), "expected_error", in.where())) {
    spec.expected_error =
        parsed(*error, "expected_error", reference::error_kind_from_string, "error kind");
  }
  if (spec.operation != Operation::error) return;
  if (!spec.expected_error) {
    fail("expected_error", "attribute is missing (required for error cases)");
  }
  spec.call = in.named("call", cases::operation_from_string, "operation");
  if (!cases::entry_of(spec.call)) {
    std::string entries;
    for (const auto entry : cases::kAllEntries) {
      entries += (entries.empty() ? "" : ", ") + std::string(cases::to_string(entry));
    }
    fail("call", "should be an entry point (" + entries + ")");
  }
}

}  // namespace

void write_spec_attributes(hid_t group, const CaseSpec& spec) {
  hdf5::write_string_attribute(group, "tier", spec.tier);
  hdf5::write_string_attribute(group, "operation", std::string(to_string(spec.operation)));
  hdf5::write_string_attribute(group, "preset", spec.spec.preset);
  hdf5::write_double_attribute(group, "eps", spec.spec.eps);
  hdf5::write_string_attribute(group, "momentum_mode",
                               spec.spec.momentum ? kExponential : kCumulative);
  if (spec.spec.momentum) hdf5::write_double_attribute(group, "momentum", *spec.spec.momentum);
  hdf5::write_string_attribute(group, "momentum_convention",
                               std::string(reference::to_string(spec.spec.momentum_convention)));
  hdf5::write_string_attribute(group, "running_var_estimator",
                               std::string(reference::to_string(spec.spec.running_var_estimator)));
  hdf5::write_int_attribute(group, "affine", spec.spec.affine ? 1 : 0);
  hdf5::write_int_attribute(group, "track_running_stats", spec.spec.track_running_stats ? 1 : 0);
  hdf5::write_int_list_attribute(group, "shape",
                                 std::vector<std::int64_t>(spec.shape.begin(), spec.shape.end()));
  hdf5::write_string_attribute(group, "layout", std::string(reference::to_string(spec.layout)));
  // Optional attributes (schema v1, appended): absent means dy in x's layout, a dense view.
  if (spec.dy_layout) {
    hdf5::write_string_attribute(group, "dy_layout",
                                 std::string(reference::to_string(*spec.dy_layout)));
  }
  if (spec.view != cases::View::dense) {
    hdf5::write_string_attribute(group, "view", std::string(cases::to_string(spec.view)));
  }
  hdf5::write_string_attribute(group, "dtype", std::string(ieee::to_string(spec.dtype)));
  hdf5::write_string_list_attribute(group, "tags", spec.tags);
  hdf5::write_int_attribute(group, "seed", spec.seed);
  hdf5::write_int_attribute(group, "steps", spec.steps);
  if (spec.expected_error) {
    hdf5::write_string_attribute(group, "expected_error",
                                 std::string(reference::to_string(*spec.expected_error)));
    hdf5::write_string_attribute(group, "call", std::string(to_string(spec.call)));
  }
  hdf5::write_string_attribute(group, "description", spec.description);
}

CaseSpec read_spec_attributes(hid_t group, const std::string& id) {
  // The LoadError names the file and the case: messages carry no location of their own.
  static const std::string kNamedByTheCaller;
  const Attributes in(group, kNamedByTheCaller);
  CaseSpec spec;
  spec.id = id;
  spec.tier = in.text("tier");
  if (!cases::is_tier(spec.tier)) fail("tier", "'" + spec.tier + "' is not a known tier");
  spec.operation = in.named("operation", cases::operation_from_string, "operation");
  spec.spec.preset = in.text("preset");
  // An error case may hold any eps and momentum, non-finite ones included (bad_eps,
  // bad_momentum); a valid case only eps >= 0 and momentum in [0, 1].
  const bool error_case = spec.operation == Operation::error;
  spec.spec.eps = in.number("eps", error_case);
  if (!error_case && spec.spec.eps < 0) fail("eps", "should be >= 0");
  spec.spec.momentum = read_momentum(in, error_case);
  if (!error_case && spec.spec.momentum &&
      !(*spec.spec.momentum >= 0 && *spec.spec.momentum <= 1)) {
    fail("momentum", "should be in [0, 1] not " + reference::shortest_decimal(*spec.spec.momentum));
  }
  spec.spec.momentum_convention = in.named(
      "momentum_convention", reference::momentum_convention_from_string, "momentum convention");
  spec.spec.running_var_estimator =
      in.named("running_var_estimator", reference::running_var_estimator_from_string,
               "running variance estimator");
  spec.spec.affine = flag(in.integer("affine"), "affine");
  spec.spec.track_running_stats = flag(in.integer("track_running_stats"), "track_running_stats");
  spec.shape = read_shape(in);
  if (spec.shape.size() < 2 && spec.operation != Operation::error) {
    // Rank 1 has no channel axis: only an error case (bad_rank) may hold it.
    fail("shape", "a valid case needs at least 2 dimensions (N, C, ...) not " +
                      std::to_string(spec.shape.size()));
  }
  spec.layout = in.named("layout", reference::layout_from_string, "layout");
  if (auto text = hdf5::read_string_attribute(group, "dy_layout", in.where())) {
    spec.dy_layout = parsed(*text, "dy_layout", reference::layout_from_string, "layout");
  }
  if (auto text = hdf5::read_string_attribute(group, "view", in.where())) {
    spec.view = parsed(*text, "view", cases::view_from_string, "view");
  }
  spec.dtype = in.named("dtype", ieee::dtype_from_string, "dtype");
  spec.tags = hdf5::read_string_list_attribute(group, "tags", in.where())
                  .value_or(std::vector<std::string>{});
  spec.seed = in.integer("seed");
  if (spec.seed < 0) fail("seed", "should be >= 0");
  const std::int64_t steps = in.integer("steps");
  if (steps < 1 || steps > kMaxSteps) {
    fail("steps", "should be in [1, 100000] not " + std::to_string(steps));
  }
  spec.steps = static_cast<int>(steps);
  read_error_fields(in, spec);
  spec.description = hdf5::read_string_attribute(group, "description", in.where()).value_or("");
  return spec;
}

}  // namespace bnconf::formats
