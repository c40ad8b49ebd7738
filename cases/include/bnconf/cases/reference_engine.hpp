// The double-precision reference (bnconf::reference) as an engine: the expected outputs of the
// generator and the golden replay come from run_case with it.
#pragma once

#include "bnconf/cases/engine.hpp"

namespace bnconf::cases {

// Activations are handed to the reference in the case's layout, exactly (doubles hold every
// value of every dtype); results come back unrounded (the fixtures' expected values). Invalid
// input ends the call with CallFailed(invalid_argument) carrying the reference's error kind.
class ReferenceEngine final : public Engine {
 public:
  TrainOutputs forward_train(const CaseSpec& spec, const Array& x, const Affine& affine,
                             const std::optional<Running>& running) override;
  Array forward_eval(const CaseSpec& spec, const Array& x, const Affine& affine,
                     const std::optional<Running>& running) override;
  Gradients backward_train(const CaseSpec& spec, const Array& x, const Array& dy,
                           const Affine& affine) override;
  Gradients backward_eval(const CaseSpec& spec, const Array& x, const Array& dy,
                          const Affine& affine, const std::optional<Running>& running) override;
};

}  // namespace bnconf::cases
