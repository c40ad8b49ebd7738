#include "spec_attributes.hpp"

#include <cmath>

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
  const std::string& where = id;
  auto string_attr = [&](const char* name) {
    return required(hdf5::read_string_attribute(group, name, where), name);
  };
  auto int_attr = [&](const char* name) {
    return required(hdf5::read_int_attribute(group, name, where), name);
  };
  auto double_attr = [&](const char* name) {
    return finite(required(hdf5::read_double_attribute(group, name, where), name), name);
  };

  CaseSpec spec;
  spec.id = id;
  spec.tier = string_attr("tier");
  spec.operation =
      parsed(string_attr("operation"), "operation", cases::operation_from_string, "operation");
  spec.spec.preset = string_attr("preset");
  spec.spec.eps = double_attr("eps");
  if (spec.spec.eps < 0 && spec.operation != Operation::error) fail("eps", "should be >= 0");
  const std::string mode = string_attr("momentum_mode");
  if (mode == kExponential) {
    spec.spec.momentum = double_attr("momentum");
  } else if (mode == kCumulative) {
    spec.spec.momentum = std::nullopt;
  } else {
    fail("momentum_mode", "should be exponential or cumulative_average not '" + mode + "'");
  }
  spec.spec.momentum_convention =
      parsed(string_attr("momentum_convention"), "momentum_convention",
             reference::momentum_convention_from_string, "momentum convention");
  spec.spec.running_var_estimator =
      parsed(string_attr("running_var_estimator"), "running_var_estimator",
             reference::running_var_estimator_from_string, "running variance estimator");
  spec.spec.affine = flag(int_attr("affine"), "affine");
  spec.spec.track_running_stats = flag(int_attr("track_running_stats"), "track_running_stats");

  const auto shape = required(hdf5::read_int_list_attribute(group, "shape", where), "shape");
  if (shape.empty() || shape.size() > 8) fail("shape", "should have 1 to 8 dimensions");
  std::size_t product = 1;
  for (std::int64_t d : shape) {
    if (d < 0) fail("shape", "has a negative dimension " + std::to_string(d));
    const auto dim = static_cast<std::size_t>(d);
    if (dim != 0 && product > kMaxCaseElements / dim) {
      fail("shape", "has absurd dimensions (more than 2^31 elements)");
    }
    product *= dim;
    spec.shape.push_back(dim);
  }
  spec.layout = parsed(string_attr("layout"), "layout", reference::layout_from_string, "layout");
  spec.dtype = parsed(string_attr("dtype"), "dtype", ieee::dtype_from_string, "dtype");
  spec.tags =
      hdf5::read_string_list_attribute(group, "tags", where).value_or(std::vector<std::string>{});
  spec.seed = int_attr("seed");
  if (spec.seed < 0) fail("seed", "should be >= 0");
  const std::int64_t steps = int_attr("steps");
  if (steps < 1 || steps > kMaxSteps)
    fail("steps", "should be in [1, 100000] not " + std::to_string(steps));
  spec.steps = static_cast<int>(steps);
  if (auto error = hdf5::read_string_attribute(group, "expected_error", where)) {
    spec.expected_error =
        parsed(*error, "expected_error", reference::error_kind_from_string, "error kind");
  }
  if (spec.operation == Operation::error) {
    if (!spec.expected_error)
      fail("expected_error", "attribute is missing (required for error cases)");
    spec.call = parsed(string_attr("call"), "call", cases::operation_from_string, "operation");
    if (spec.call == Operation::error || spec.call == Operation::sequence ||
        spec.call == Operation::pipeline) {
      fail("call", "should be forward_train, forward_eval, backward_train or backward_eval");
    }
  }
  spec.description = hdf5::read_string_attribute(group, "description", where).value_or("");
  return spec;
}

}  // namespace bnconf::formats
