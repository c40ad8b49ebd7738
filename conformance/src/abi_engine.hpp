// A backend behind the adapter ABI as an engine (bnconf/cases/engine.hpp): the runner's call
// marshalling and nothing else. Each call encodes the inputs in the case's dtype and layout into
// guarded buffers (guarded_memory.hpp), poisons the outputs, calls the backend's table, checks
// the inputs unchanged, the canaries intact and every required output element written, decodes
// the outputs back to logical order, and retires the call's buffers.
#pragma once

#include <string>
#include <vector>

#include "bnconf/cases/engine.hpp"
#include "bnconf/conformance/backend.hpp"
#include "guarded_memory.hpp"

namespace bnconf::conformance {

class AbiEngine final : public cases::Engine {
 public:
  explicit AbiEngine(const Backend& backend) : backend_(backend) {}

  // Batch statistics with BNCONF_FEATURE_SAVED_STATS, running statistics with
  // BNCONF_FEATURE_RUNNING_STATS.
  bool produces(cases::OutputGroup group) const override;

  cases::TrainOutputs forward_train(const cases::CaseSpec& spec, const cases::Array& x,
                                    const cases::Affine& affine,
                                    const std::optional<cases::Running>& running) override;
  cases::Array forward_eval(const cases::CaseSpec& spec, const cases::Array& x,
                            const cases::Affine& affine,
                            const std::optional<cases::Running>& running) override;
  cases::Gradients backward_train(const cases::CaseSpec& spec, const cases::Array& x,
                                  const cases::Array& dy, const cases::Affine& affine) override;
  cases::Gradients backward_eval(const cases::CaseSpec& spec, const cases::Array& x,
                                 const cases::Array& dy, const cases::Affine& affine,
                                 const std::optional<cases::Running>& running) override;

  // What the backend did that it must not ("wrote 8 byte(s) past the end ... of output y",
  // "modified input x"), over every call so far.
  const std::vector<std::string>& violations() const { return violations_; }
  // The violations once the case is over, late writes into retired buffers included.
  std::vector<std::string> finish_case();

 private:
  cases::Gradients backward(bool train, const cases::CaseSpec& spec, const cases::Array& x,
                            const cases::Array& dy, const cases::Affine& affine,
                            const std::optional<cases::Running>& running);

  const Backend& backend_;
  GuardedArena arena_;
  std::vector<std::string> violations_;
};

}  // namespace bnconf::conformance
