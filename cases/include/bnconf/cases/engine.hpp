// An engine: anything that can make the four BatchNorm calls on case data. The reference
// (reference_engine.hpp), a backend behind the adapter ABI (the runner's engine) and the
// simulated backends of the tolerance tests are engines; run_case (driver.hpp) drives any of them
// through any operation of the table, sequences and the seed pipeline included.
//
// Data crosses the interface in logical order, as case data is held: activations as Arrays of
// logical shape (N, C, spatial...) holding values of the case's dtype, per-channel vectors as
// doubles. The case's spec says the configuration, dtype and layout an engine is to use.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bnconf/cases/array.hpp"
#include "bnconf/cases/case.hpp"
#include "bnconf/cases/operations.hpp"

namespace bnconf::cases {

// gamma and beta, C values each; both empty when the case is not affine. The backward calls
// take no bias: engines ignore it there.
struct Affine {
  std::vector<double> weight;
  std::vector<double> bias;
};

struct Running {
  std::vector<double> mean;
  std::vector<double> var;
  std::int64_t num_batches_tracked = 0;
};

struct TrainOutputs {
  Array y;
  std::vector<double> batch_mean, batch_var, saved_invstd;
  std::optional<Running> running;  // the updated statistics when the case tracks them
};

struct Gradients {
  Array dx;
  std::vector<double> dweight, dbias;  // empty when the case is not affine
};

// How a call ended. The values are the adapter ABI's bnconf_status values (checked in
// conformance/src/abi_values.hpp).
enum class CallStatus { ok, unsupported, invalid_argument, backend_error };
std::string_view to_string(CallStatus status);

// Thrown by an engine whose call did not end ok: the case stops there with this status.
class CallFailed : public std::runtime_error {
 public:
  CallFailed(CallStatus status, const std::string& message,
             std::optional<reference::ErrorKind> kind = std::nullopt)
      : std::runtime_error(message), status_(status), kind_(kind) {}
  CallStatus status() const { return status_; }
  // The reference's error kind, when the engine knows it (the reference engine does).
  std::optional<reference::ErrorKind> kind() const { return kind_; }

 private:
  CallStatus status_;
  std::optional<reference::ErrorKind> kind_;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Whether the engine returns the outputs of an optional group (OutputGroup): a backend may
  // not return batch statistics, or may keep no running statistics.
  virtual bool produces(OutputGroup group) const {
    (void)group;
    return true;
  }

  virtual TrainOutputs forward_train(const CaseSpec& spec, const Array& x, const Affine& affine,
                                     const std::optional<Running>& running) = 0;
  virtual Array forward_eval(const CaseSpec& spec, const Array& x, const Affine& affine,
                             const std::optional<Running>& running) = 0;
  virtual Gradients backward_train(const CaseSpec& spec, const Array& x, const Array& dy,
                                   const Affine& affine) = 0;
  virtual Gradients backward_eval(const CaseSpec& spec, const Array& x, const Array& dy,
                                  const Affine& affine, const std::optional<Running>& running) = 0;
};

}  // namespace bnconf::cases
