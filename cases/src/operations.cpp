// The operation table (operations.hpp) and what is derived from it directly: names, presence,
// shapes and the lists of datasets a case holds.
#include "bnconf/cases/operations.hpp"

#include <algorithm>

#include "drivers.hpp"

namespace bnconf::cases {
namespace {

using S = ShapeRule;
using P = Presence;
using G = OutputGroup;
using E = Element;

// Schema v1's datasets, in the order files are written (changing it changes every file's bytes).
constexpr DatasetDefinition kInputDatasets[] = {
    {"x", E::real, "activation"},
    {"dy", E::real, "gradient of the loss with respect to y (grad_output)"},
    {"weight", E::real, "γ"},
    {"bias", E::real, "β"},
    {"running_mean", E::real, "running mean before the call"},
    {"running_var", E::real, "running variance before the call"},
    {"num_batches_tracked", E::integer, "counter before the call"},
    {"x_eval", E::real, "the batch of the final eval of a sequence"},
    {"labels", E::integer, "class of each row, in [0, K)"},
    {"linear_weight", E::real, "the linear layer's initial weight"},
    {"linear_bias", E::real, "the linear layer's initial bias"},
};
constexpr DatasetDefinition kOutputDatasets[] = {
    {"y", E::real, "normalised output"},
    {"batch_mean", E::real, "batch mean μ"},
    {"batch_var", E::real, "biased batch variance σ²_b"},
    {"saved_invstd", E::real, "1/√(σ²_b + eps), 0 when σ²_b + eps = 0"},
    {"running_mean", E::real, "running mean after the call"},
    {"running_var", E::real, "running variance after the call"},
    {"num_batches_tracked", E::integer, "counter after the call"},
    {"dx", E::real, "gradient with respect to x"},
    {"dweight", E::real, "gradient with respect to γ"},
    {"dbias", E::real, "gradient with respect to β"},
    {"y_eval", E::real, "eval output on x_eval"},
    {"epoch_loss", E::real, "mean training loss of each epoch"},
    {"epoch_accuracy", E::real, "eval accuracy after each epoch"},
    {"weight", E::real, "γ after training"},
    {"bias", E::real, "β after training"},
    {"linear_weight", E::real, "the linear layer's weight after training"},
    {"linear_bias", E::real, "the linear layer's bias after training"},
};

// Inputs of a single call: x, the affine parameters, and the running statistics before it.
constexpr DatasetUse kForwardInputs[] = {
    {"x", S::activation, P::always},
    {"weight", S::channels, P::if_affine},
    {"bias", S::channels, P::if_affine},
    {"running_mean", S::channels, P::if_tracked},
    {"running_var", S::channels, P::if_tracked},
    {"num_batches_tracked", S::scalar, P::if_tracked},
};
constexpr DatasetUse kForwardTrainOutputs[] = {
    {"y", S::activation, P::always},
    {"batch_mean", S::channels, P::always, G::batch_statistics},
    {"batch_var", S::channels, P::always, G::batch_statistics},
    {"saved_invstd", S::channels, P::always, G::batch_statistics},
    {"running_mean", S::channels, P::if_tracked, G::running_statistics},
    {"running_var", S::channels, P::if_tracked, G::running_statistics},
    {"num_batches_tracked", S::scalar, P::if_tracked, G::running_statistics},
};
constexpr DatasetUse kForwardEvalOutputs[] = {
    {"y", S::activation, P::always},
};
// The gradient through batch statistics takes no running statistics.
constexpr DatasetUse kBackwardTrainInputs[] = {
    {"x", S::activation, P::always},
    {"dy", S::activation, P::always},
    {"weight", S::channels, P::if_affine},
    {"bias", S::channels, P::if_affine},
};
constexpr DatasetUse kBackwardEvalInputs[] = {
    {"x", S::activation, P::always},
    {"dy", S::activation, P::always},
    {"weight", S::channels, P::if_affine},
    {"bias", S::channels, P::if_affine},
    {"running_mean", S::channels, P::if_tracked},
    {"running_var", S::channels, P::if_tracked},
    {"num_batches_tracked", S::scalar, P::if_tracked},
};
constexpr DatasetUse kBackwardOutputs[] = {
    {"dx", S::activation, P::always},
    {"dweight", S::channels, P::if_affine},
    {"dbias", S::channels, P::if_affine},
};
constexpr DatasetUse kSequenceInputs[] = {
    {"x", S::stepped_activation, P::always},     {"weight", S::channels, P::if_affine},
    {"bias", S::channels, P::if_affine},         {"running_mean", S::channels, P::if_tracked},
    {"running_var", S::channels, P::if_tracked}, {"num_batches_tracked", S::scalar, P::if_tracked},
    {"x_eval", S::activation, P::always},
};
constexpr DatasetUse kSequenceOutputs[] = {
    {"y", S::stepped_activation, P::always},
    {"batch_mean", S::stepped_channels, P::always, G::batch_statistics},
    {"batch_var", S::stepped_channels, P::always, G::batch_statistics},
    {"saved_invstd", S::stepped_channels, P::always, G::batch_statistics},
    {"running_mean", S::stepped_channels, P::if_tracked, G::running_statistics},
    {"running_var", S::stepped_channels, P::if_tracked, G::running_statistics},
    {"num_batches_tracked", S::steps, P::if_tracked, G::running_statistics},
    {"y_eval", S::activation, P::always},
};
// The seed example trains an affine, tracked BatchNorm1d: every input is required.
constexpr DatasetUse kPipelineInputs[] = {
    {"x", S::activation, P::always},         {"weight", S::channels, P::always},
    {"bias", S::channels, P::always},        {"running_mean", S::channels, P::always},
    {"running_var", S::channels, P::always}, {"num_batches_tracked", S::scalar, P::always},
    {"labels", S::batch, P::always},         {"linear_weight", S::classes_by_channels, P::always},
    {"linear_bias", S::classes, P::always},
};
constexpr DatasetUse kPipelineOutputs[] = {
    {"epoch_loss", S::steps, P::always},
    {"epoch_accuracy", S::steps, P::always},
    {"weight", S::channels, P::always},
    {"bias", S::channels, P::always},
    {"linear_weight", S::classes_by_channels, P::always},
    {"linear_bias", S::classes, P::always},
    {"running_mean", S::channels, P::always},
    {"running_var", S::channels, P::always},
    {"num_batches_tracked", S::scalar, P::always},
};
// Error cases hold x and whatever their defect leaves, in any shape.
constexpr DatasetUse kErrorInputs[] = {
    {"x", S::free, P::always},
    {"dy", S::free, P::optional},
    {"weight", S::free, P::optional},
    {"bias", S::free, P::optional},
    {"running_mean", S::free, P::optional},
    {"running_var", S::free, P::optional},
    {"num_batches_tracked", S::free, P::optional},
};

using Op = Operation;
using R = RunningUse;
using T = ToleranceModel;

constexpr OperationRow kOperations[] = {
    {Op::forward_train, "forward_train",
     "one training step: y from the batch statistics, and the updated running statistics",
     static_cast<EntrySet>(Entry::forward_train), R::updates, kForwardInputs, kForwardTrainOutputs,
     T::training_step, drive_forward_train},
    {Op::forward_eval, "forward_eval",
     "inference: y from the running statistics (from the batch's when not tracking)",
     static_cast<EntrySet>(Entry::forward_eval), R::normalises, kForwardInputs, kForwardEvalOutputs,
     T::inference, drive_forward_eval},
    {Op::backward_train, "backward_train",
     "gradients of forward_train's y, through the batch statistics",
     static_cast<EntrySet>(Entry::backward_train), R::none, kBackwardTrainInputs, kBackwardOutputs,
     T::backward_batch, drive_backward_train},
    {Op::backward_eval, "backward_eval",
     "gradients of forward_eval's y: frozen running statistics (as backward_train when not "
     "tracking)",
     static_cast<EntrySet>(Entry::backward_eval), R::normalises, kBackwardEvalInputs,
     kBackwardOutputs, T::backward_frozen, drive_backward_eval},
    {Op::sequence, "sequence",
     "K training steps on K batches carrying the running statistics, then eval on x_eval",
     Entry::forward_train | Entry::forward_eval, R::chains, kSequenceInputs, kSequenceOutputs,
     T::sequence, drive_sequence},
    {Op::pipeline, "pipeline",
     "the seed example: BatchNorm1d -> Linear -> softmax cross-entropy, K epochs of SGD",
     Entry::forward_train | Entry::forward_eval | Entry::backward_train, R::chains, kPipelineInputs,
     kPipelineOutputs, T::pipeline, drive_pipeline},
    {Op::error,
     "error",
     "invalid input that the entry point `call` must reject",
     0,
     R::none,
     kErrorInputs,
     {},
     T::rejection,
     drive_error},
};

// Rows are indexed by their enumerator.
constexpr bool rows_in_enumerator_order() {
  for (std::size_t i = 0; i < std::size(kOperations); ++i) {
    if (static_cast<std::size_t>(kOperations[i].operation) != i) return false;
  }
  return true;
}
static_assert(rows_in_enumerator_order());
// The single-call operations come first, in the order of the entry points they run.
static_assert(static_cast<std::size_t>(Operation::forward_train) == 0 &&
              static_cast<std::size_t>(Operation::forward_eval) == 1 &&
              static_cast<std::size_t>(Operation::backward_train) == 2 &&
              static_cast<std::size_t>(Operation::backward_eval) == 3);
static_assert(std::size(kOperations) == static_cast<std::size_t>(Operation::error) + 1);

const DatasetDefinition* find_definition(std::span<const DatasetDefinition> list,
                                         std::string_view name) {
  for (const auto& d : list) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

const DatasetUse* find_use(std::span<const DatasetUse> list, std::string_view name) {
  for (const auto& use : list) {
    if (use.name == name) return &use;
  }
  return nullptr;
}

std::vector<std::string> present_names(std::span<const DatasetUse> list, const CaseSpec& spec) {
  std::vector<std::string> names;
  for (const auto& use : list) {
    if (use.presence != Presence::optional && present(use, spec)) names.emplace_back(use.name);
  }
  return names;
}

}  // namespace

std::span<const DatasetDefinition> input_datasets() { return kInputDatasets; }
std::span<const DatasetDefinition> output_datasets() { return kOutputDatasets; }
const DatasetDefinition* find_input_dataset(std::string_view name) {
  return find_definition(kInputDatasets, name);
}
const DatasetDefinition* find_output_dataset(std::string_view name) {
  return find_definition(kOutputDatasets, name);
}

std::span<const OperationRow> operation_table() { return kOperations; }

const OperationRow& row_of(Operation operation) {
  return kOperations[static_cast<std::size_t>(operation)];
}

std::string_view to_string(Operation operation) {
  const auto index = static_cast<std::size_t>(operation);
  return index < std::size(kOperations) ? kOperations[index].name : "unknown";
}

std::optional<Operation> operation_from_string(std::string_view name) {
  for (const auto& row : kOperations) {
    if (row.name == name) return row.operation;
  }
  return std::nullopt;
}

const std::vector<Operation>& all_operations() {
  static const std::vector<Operation> operations = [] {
    std::vector<Operation> result;
    for (const auto& row : kOperations) result.push_back(row.operation);
    return result;
  }();
  return operations;
}

// An entry point is named like the single-call operation it runs.
std::string_view to_string(Entry entry) {
  for (std::size_t i = 0; i < kAllEntries.size(); ++i) {
    if (kAllEntries[i] == entry) return to_string(static_cast<Operation>(i));
  }
  return "unknown";
}

std::optional<Entry> entry_of(Operation operation) {
  for (const Entry entry : kAllEntries) {
    if (to_string(entry) == to_string(operation)) return entry;
  }
  return std::nullopt;
}

std::string_view to_string(OutputGroup group) {
  constexpr std::string_view kNames[] = {"core", "batch statistics", "running statistics"};
  const auto index = static_cast<std::size_t>(group);
  return index < std::size(kNames) ? kNames[index] : "unknown";
}

EntrySet entries_of(const CaseSpec& spec) {
  if (spec.operation != Operation::error) return row_of(spec.operation).entries;
  const auto entry = entry_of(spec.call);
  return entry ? static_cast<EntrySet>(*entry) : 0;
}

bool present(const DatasetUse& use, const CaseSpec& spec) {
  switch (use.presence) {
    case Presence::always:
    case Presence::optional:
      return true;
    case Presence::if_affine:
      return spec.spec.affine;
    case Presence::if_tracked:
      return spec.spec.track_running_stats;
  }
  return false;
}

std::optional<std::vector<std::size_t>> required_shape(const DatasetUse& use, const CaseSpec& spec,
                                                       const std::vector<std::size_t>& actual) {
  using Shape = std::vector<std::size_t>;
  // Shapes of rank < 2 are invalid cases; nothing is derived from them.
  if (spec.shape.size() < 2) return std::nullopt;
  const std::size_t channels = spec.shape[1];
  const auto steps = static_cast<std::size_t>(spec.steps);
  auto stepped = [&](const Shape& inner) {
    Shape result{steps};
    result.insert(result.end(), inner.begin(), inner.end());
    return result;
  };
  switch (use.shape) {
    case ShapeRule::activation:
      return spec.shape;
    case ShapeRule::stepped_activation:
      return stepped(spec.shape);
    case ShapeRule::channels:
      return Shape{channels};
    case ShapeRule::stepped_channels:
      return Shape{steps, channels};
    case ShapeRule::scalar:
      return Shape{};
    case ShapeRule::steps:
      return Shape{steps};
    case ShapeRule::batch:
      return Shape{spec.shape[0]};
    case ShapeRule::classes_by_channels:
      // K is the case's own choice: only the rank and the inner size are fixed.
      return Shape{actual.size() == 2 ? actual[0] : 0, channels};
    case ShapeRule::classes:
      return actual.size() == 1 ? actual : Shape{0};
    case ShapeRule::free:
      return std::nullopt;
  }
  return std::nullopt;
}

const DatasetUse* find_input(Operation operation, std::string_view name) {
  return find_use(row_of(operation).inputs, name);
}

const DatasetUse* find_output(Operation operation, std::string_view name) {
  return find_use(row_of(operation).outputs, name);
}

std::vector<std::string> required_inputs(const CaseSpec& spec) {
  return present_names(row_of(spec.operation).inputs, spec);
}

std::vector<std::string> required_outputs(const CaseSpec& spec) {
  return present_names(row_of(spec.operation).outputs, spec);
}

bool updates_running_stats(const CaseSpec& spec) {
  const RunningUse use = row_of(spec.operation).running;
  return spec.spec.track_running_stats && (use == RunningUse::updates || use == RunningUse::chains);
}

}  // namespace bnconf::cases
