#include "bnconf/cases/reference_engine.hpp"

#include "bnconf/cases/tensor_arrays.hpp"
#include "bnconf/reference/batch_norm.hpp"

namespace bnconf::cases {
namespace {

namespace ref = bnconf::reference;

ref::ChannelVector channel_vector(const std::vector<double>& values) {
  return to_channel_vector(Array::vector(values));
}

std::vector<double> values(const ref::ChannelVector& v) { return {v.begin(), v.end()}; }

ref::AffineParams params(const Affine& affine) {
  return {channel_vector(affine.weight), channel_vector(affine.bias)};
}

std::optional<ref::RunningStats> reference_running(const std::optional<Running>& running) {
  if (!running) return std::nullopt;
  return ref::RunningStats{channel_vector(running->mean), channel_vector(running->var),
                           running->num_batches_tracked};
}

Gradients gradients(const ref::BackwardResult& r) {
  return {to_array(r.dx), values(r.dweight), values(r.dbias)};
}

// Runs a reference call, turning its typed error into the engine's rejection.
template <class Call>
auto rejecting_invalid_input(Call&& call) {
  try {
    return call();
  } catch (const ref::BatchNormError& e) {
    throw CallFailed(CallStatus::invalid_argument, e.what(), e.kind());
  }
}

}  // namespace

TrainOutputs ReferenceEngine::forward_train(const CaseSpec& spec, const Array& x,
                                            const Affine& affine,
                                            const std::optional<Running>& running) {
  return rejecting_invalid_input([&] {
    const auto r = ref::forward_train(spec.spec, to_tensor(x, spec.layout), params(affine),
                                      reference_running(running));
    TrainOutputs out{to_array(r.y), values(r.batch_mean), values(r.batch_var),
                     values(r.saved_invstd), std::nullopt};
    if (r.running) {
      out.running =
          Running{values(r.running->mean), values(r.running->var), r.running->num_batches_tracked};
    }
    return out;
  });
}

Array ReferenceEngine::forward_eval(const CaseSpec& spec, const Array& x, const Affine& affine,
                                    const std::optional<Running>& running) {
  return rejecting_invalid_input([&] {
    return to_array(ref::forward_eval(spec.spec, to_tensor(x, spec.layout), params(affine),
                                      reference_running(running)));
  });
}

Gradients ReferenceEngine::backward_train(const CaseSpec& spec, const Array& x, const Array& dy,
                                          const Affine& affine) {
  return rejecting_invalid_input([&] {
    return gradients(ref::backward_train(spec.spec, to_tensor(x, spec.layout),
                                         to_tensor(dy, spec.dy_layout.value_or(spec.layout)),
                                         params(affine)));
  });
}

Gradients ReferenceEngine::backward_eval(const CaseSpec& spec, const Array& x, const Array& dy,
                                         const Affine& affine,
                                         const std::optional<Running>& running) {
  return rejecting_invalid_input([&] {
    return gradients(ref::backward_eval(spec.spec, to_tensor(x, spec.layout),
                                        to_tensor(dy, spec.dy_layout.value_or(spec.layout)),
                                        params(affine),
                                        reference_running(running)));
  });
}

}  // namespace bnconf::cases
