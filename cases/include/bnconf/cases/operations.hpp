// The operation table: what every operation of a case means, written once. One row per
// operation names the backend entry points it needs, how it uses running statistics, each input
// and output with its shape rule and presence, the tolerance derivation that applies, and the
// function that drives an engine through it. Everything else derives from it: schema validation
// (formats/), the generator's expected outputs and the golden replay (run_case with the
// reference engine), the runner's calls, applicability checks and judged outputs (conformance/),
// and the tables of docs/fixture-format.md (`bnconf schema --markdown`).
//
// Modelled on oneDNN benchdnn's per-primitive exec-args lists and OpenCL-CTS's function_list
// (one ENTRY row ties reference, tolerance and driver).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bnconf/cases/case.hpp"

namespace bnconf::cases {

// The four entry points of a backend. The bit values are the adapter ABI's BNCONF_OP_* bits
// (checked in conformance/src/abi_values.hpp).
enum class Entry : std::uint32_t {
  forward_train = 1u << 0,
  forward_eval = 1u << 1,
  backward_train = 1u << 2,
  backward_eval = 1u << 3,
};
using EntrySet = std::uint32_t;  // bits of Entry
inline constexpr std::array<Entry, 4> kAllEntries{Entry::forward_train, Entry::forward_eval,
                                                  Entry::backward_train, Entry::backward_eval};
constexpr EntrySet operator|(Entry a, Entry b) {
  return static_cast<EntrySet>(a) | static_cast<EntrySet>(b);
}
constexpr EntrySet operator|(EntrySet a, Entry b) { return a | static_cast<EntrySet>(b); }
constexpr bool contains(EntrySet set, Entry entry) {
  return (set & static_cast<EntrySet>(entry)) != 0;
}
// "forward_train", ...: the name of the single-call operation of the same name.
std::string_view to_string(Entry entry);
// The entry point a single-call operation (or an error case's `call`) goes through.
std::optional<Entry> entry_of(Operation operation);

// The shape a dataset must have, from the case's shape (N, C, spatial...) and steps.
enum class ShapeRule {
  activation,           // the case's shape
  stepped_activation,   // (steps, shape...)
  channels,             // (C)
  stepped_channels,     // (steps, C)
  scalar,               // ()
  steps,                // (steps)
  batch,                // (N)
  classes_by_channels,  // (K, C): K, the linear layer's width, is the case's own choice
  classes,              // (K), any K
  free,                 // not fixed (error cases hold deliberately inconsistent data)
};

// When a case holds the dataset.
enum class Presence {
  always,
  if_affine,   // spec.affine
  if_tracked,  // spec.track_running_stats
  optional,    // may be present (error cases)
};

// Outputs a backend may declare it does not produce; every other output it must produce.
enum class OutputGroup {
  core,                // always judged
  batch_statistics,    // batch_mean, batch_var, saved_invstd (BNCONF_FEATURE_SAVED_STATS)
  running_statistics,  // updated running statistics (BNCONF_FEATURE_RUNNING_STATS)
};
std::string_view to_string(OutputGroup group);

// How an operation uses running statistics when the case tracks them.
enum class RunningUse {
  none,
  normalises,  // normalises with the given statistics (eval)
  updates,     // returns updated statistics (one training step)
  chains,      // carries them from call to call (sequence, pipeline)
};

// Which derivation of docs/tolerances.md bounds the outputs (conformance/src/tolerance*.cpp).
enum class ToleranceModel {
  training_step,    // batch statistics, y, running update
  inference,        // y from running (or batch) statistics
  backward_batch,   // gradients through batch statistics
  backward_frozen,  // gradients with frozen statistics
  sequence,         // training steps carrying running statistics, then eval
  pipeline,         // the seed example's SGD trajectory
  rejection,        // nothing to bound: the input must be rejected
};
inline constexpr std::size_t kToleranceModelCount = 7;

// Stored element type of a dataset.
enum class Element { real, integer };

// A dataset schema v1 knows, in one section, in the canonical order files are written in.
struct DatasetDefinition {
  std::string_view name;
  Element element;
  std::string_view meaning;
};
// Every input / output dataset name, in that canonical order.
std::span<const DatasetDefinition> input_datasets();
std::span<const DatasetDefinition> output_datasets();
const DatasetDefinition* find_input_dataset(std::string_view name);
const DatasetDefinition* find_output_dataset(std::string_view name);

// A dataset as one operation uses it.
struct DatasetUse {
  std::string_view name;
  ShapeRule shape;
  Presence presence;
  OutputGroup group = OutputGroup::core;  // outputs only
};

class Engine;
struct Execution;
// Drives an engine through one operation on a case's inputs, storing the outputs in the
// execution. An engine call that fails throws CallFailed (run_case catches it).
using Driver = void (*)(const Case& c, Engine& engine, Execution& execution);

struct OperationRow {
  Operation operation;
  std::string_view name;
  std::string_view meaning;
  EntrySet entries;  // entry points the backend must provide; error cases: their `call`'s
  RunningUse running;
  std::span<const DatasetUse> inputs;
  std::span<const DatasetUse> outputs;
  ToleranceModel tolerance;
  Driver drive;
};

// Every row, in the order of the Operation enumerators.
std::span<const OperationRow> operation_table();
const OperationRow& row_of(Operation operation);

// The entry points a case needs: its row's, or for an error case the entry of its `call`.
EntrySet entries_of(const CaseSpec& spec);
// Whether the case holds the dataset (Presence evaluated on the spec).
bool present(const DatasetUse& use, const CaseSpec& spec);
// The shape the dataset must have in this case; nothing when the rule does not fix it. `actual`
// is the stored shape (the linear layer's width K is taken from it).
std::optional<std::vector<std::size_t>> required_shape(const DatasetUse& use, const CaseSpec& spec,
                                                       const std::vector<std::size_t>& actual);
// The operation's use of an input / output, or nullptr when the operation has no such dataset.
const DatasetUse* find_input(Operation operation, std::string_view name);
const DatasetUse* find_output(Operation operation, std::string_view name);
// Names of the inputs / outputs a well-formed case of this spec holds, in table order.
std::vector<std::string> required_inputs(const CaseSpec& spec);
std::vector<std::string> required_outputs(const CaseSpec& spec);

// Whether the operation updates or carries running statistics for this spec.
bool updates_running_stats(const CaseSpec& spec);

}  // namespace bnconf::cases
