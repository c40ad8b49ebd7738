// Where bnconf's C++ enumerations meet the adapter ABI's C values (bnconf/adapter.h). Each C++
// enumeration is declared with the ABI's values; the static_asserts below keep the two in step,
// so a conversion is a cast and a renumbering on either side fails to compile.
#pragma once

#include <cstdint>

#include "bnconf/adapter.h"
#include "bnconf/cases/engine.hpp"
#include "bnconf/cases/operations.hpp"
#include "bnconf/ieee/dtype.hpp"
#include "bnconf/reference/spec.hpp"
#include "bnconf/reference/tensor.hpp"

namespace bnconf::conformance {

static_assert(static_cast<int>(ieee::Dtype::f64) == BNCONF_F64);
static_assert(static_cast<int>(ieee::Dtype::f32) == BNCONF_F32);
static_assert(static_cast<int>(ieee::Dtype::f16) == BNCONF_F16);
static_assert(static_cast<int>(ieee::Dtype::bf16) == BNCONF_BF16);

static_assert(static_cast<int>(reference::Layout::channels_first) == BNCONF_CHANNELS_FIRST);
static_assert(static_cast<int>(reference::Layout::channels_last) == BNCONF_CHANNELS_LAST);

static_assert(static_cast<int>(reference::MomentumConvention::weights_batch) ==
              BNCONF_WEIGHTS_BATCH);
static_assert(static_cast<int>(reference::MomentumConvention::weights_running) ==
              BNCONF_WEIGHTS_RUNNING);

static_assert(static_cast<int>(reference::RunningVarEstimator::unbiased) == BNCONF_VAR_UNBIASED);
static_assert(static_cast<int>(reference::RunningVarEstimator::unbiased_clamped) ==
              BNCONF_VAR_UNBIASED_CLAMPED);
static_assert(static_cast<int>(reference::RunningVarEstimator::population) ==
              BNCONF_VAR_POPULATION);

static_assert(static_cast<int>(cases::CallStatus::ok) == BNCONF_OK);
static_assert(static_cast<int>(cases::CallStatus::unsupported) == BNCONF_UNSUPPORTED);
static_assert(static_cast<int>(cases::CallStatus::invalid_argument) == BNCONF_INVALID_ARGUMENT);
static_assert(static_cast<int>(cases::CallStatus::backend_error) == BNCONF_BACKEND_ERROR);

static_assert(static_cast<std::uint32_t>(cases::Entry::forward_train) == BNCONF_OP_FORWARD_TRAIN);
static_assert(static_cast<std::uint32_t>(cases::Entry::forward_eval) == BNCONF_OP_FORWARD_EVAL);
static_assert(static_cast<std::uint32_t>(cases::Entry::backward_train) == BNCONF_OP_BACKWARD_TRAIN);
static_assert(static_cast<std::uint32_t>(cases::Entry::backward_eval) == BNCONF_OP_BACKWARD_EVAL);

inline bnconf_dtype abi_dtype(ieee::Dtype dtype) { return static_cast<bnconf_dtype>(dtype); }
inline std::int32_t abi_layout(reference::Layout layout) {
  return static_cast<std::int32_t>(layout);
}
inline std::int32_t abi_convention(reference::MomentumConvention convention) {
  return static_cast<std::int32_t>(convention);
}
inline std::int32_t abi_estimator(reference::RunningVarEstimator estimator) {
  return static_cast<std::int32_t>(estimator);
}
// Any status beyond the ABI's four is a backend error.
inline cases::CallStatus call_status(bnconf_status status) {
  return status >= BNCONF_OK && status <= BNCONF_BACKEND_ERROR
             ? static_cast<cases::CallStatus>(status)
             : cases::CallStatus::backend_error;
}
// The capability bit of a value (dtypes, layouts, conventions, estimators are bit sets of
// 1 << value).
template <class Enum>
constexpr std::uint32_t capability_bit(Enum value) {
  return 1u << static_cast<unsigned>(value);
}

}  // namespace bnconf::conformance
