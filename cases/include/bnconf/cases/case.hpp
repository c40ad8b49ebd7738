// One case: what it specifies (attributes) and its data (inputs and expected outputs), whether it
// came from a fixture file, from the catalogue or was built in memory. What each operation takes
// and produces is the operation table (bnconf/cases/operations.hpp); docs/fixture-format.md
// describes how a case is stored.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bnconf/cases/array.hpp"
#include "bnconf/ieee/dtype.hpp"
#include "bnconf/reference/errors.hpp"
#include "bnconf/reference/spec.hpp"
#include "bnconf/reference/tensor.hpp"

namespace bnconf::cases {

enum class Operation {
  forward_train,   // y, batch statistics, saved invstd, updated running statistics
  forward_eval,    // y from running (or batch, without tracking) statistics
  backward_train,  // dx, dweight, dbias through batch statistics
  backward_eval,   // dx, dweight, dbias with frozen statistics
  sequence,        // several training steps carrying running statistics, then eval
  pipeline,        // the seed example: BatchNorm1d -> Linear -> softmax cross-entropy, SGD epochs
  error,           // invalid input that must be rejected
};

// Names from the operation table ("forward_train", ...), "unknown" for no enumerator.
std::string_view to_string(Operation operation);
std::optional<Operation> operation_from_string(std::string_view name);
// Every operation, in the table's order.
const std::vector<Operation>& all_operations();

// How the activations x and dy are handed to a backend: dense in the case's layout, or as a
// strided view of it — the layout's memory order with the innermost storage axis padded by one
// element and a storage offset (view_geometry), i.e. a non-contiguous tensor such as a slice.
enum class View { dense, strided };
std::string_view to_string(View view);
std::optional<View> view_from_string(std::string_view name);

// The strides and storage offset (in elements) of a strided view of a tensor of logical shape
// `shape` in `layout`, and the number of elements its buffer spans.
struct ViewGeometry {
  std::vector<std::int64_t> strides;
  std::int64_t storage_offset = 0;
  std::size_t span = 0;
};
ViewGeometry view_geometry(const std::vector<std::size_t>& shape, reference::Layout layout);

// Everything that determines a case, stored as attributes of its group.
struct CaseSpec {
  std::string id;    // unique, e.g. "core.rank.forward_train.2x3x5x4.channels_last"
  std::string tier;  // core, stress, ieee, errors
  Operation operation = Operation::forward_train;
  reference::BatchNormSpec spec;
  std::vector<std::size_t> shape;  // logical (N, C, spatial...)
  reference::Layout layout = reference::Layout::channels_first;
  // dy's own memory layout when it differs from x's (backward operations); otherwise x's.
  std::optional<reference::Layout> dy_layout;
  View view = View::dense;
  ieee::Dtype dtype = ieee::Dtype::f64;  // inputs are exactly representable in it
  std::vector<std::string> tags;         // bug classes the case targets
  std::int64_t seed = 0;                 // 0 .. 2^63 - 1
  int steps = 1;                         // training steps (sequence) or epochs (pipeline)
  std::optional<reference::ErrorKind> expected_error;  // error cases
  // Error cases: the entry point a backend is called through (forward_train, forward_eval,
  // backward_train or backward_eval) with the invalid inputs.
  Operation call = Operation::forward_train;
  std::string description;

  bool operator==(const CaseSpec&) const = default;
};

// A case with its data. Input and expected-output names are listed in docs/fixture-format.md
// (x, dy, weight, bias, running_mean, running_var, num_batches_tracked; y, batch_mean, ...).
struct Case {
  CaseSpec spec;
  std::map<std::string, Array> inputs;
  std::map<std::string, Array> expected;
};

}  // namespace bnconf::cases
