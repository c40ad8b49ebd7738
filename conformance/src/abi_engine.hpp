// A backend behind the adapter ABI as an engine (bnconf/cases/engine.hpp): the runner's call
// marshalling and nothing else. Each call encodes the inputs in the case's dtype and layout,
// places guard bytes around every output and poisons it, calls the backend's table, checks the
// inputs unchanged and the guards intact, and decodes the outputs back to logical order.
#pragma once

#include <string>
#include <vector>

#include "bnconf/cases/engine.hpp"
#include "bnconf/conformance/backend.hpp"

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

 private:
  cases::Gradients backward(bool train, const cases::CaseSpec& spec, const cases::Array& x,
                            const cases::Array& dy, const cases::Affine& affine,
                            const std::optional<cases::Running>& running);

  const Backend& backend_;
  std::vector<std::string> violations_;
};

}  // namespace bnconf::conformance
