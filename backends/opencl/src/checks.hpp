// Input validation: adapter::validate (PyTorch's checks and messages) plus what the ABI leaves
// open (negative extents, unknown enums, absent data, vectors that must be empty), so that the
// errors tier gets BNCONF_INVALID_ARGUMENT wherever the reference rejects the call.
#pragma once

#include "bnconf/adapter.h"

namespace bnconf::opencl {

enum class Entry { forward_train, forward_eval, backward_train, backward_eval };

// Throws adapter::InvalidArgument unless the call is valid. dy is null for the forward entries.
void check_call(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor* dy,
                const bnconf_vector& weight, const bnconf_vector& bias,
                const bnconf_running* running, Entry entry);

// Throws std::invalid_argument when an output activation with elements has no buffer.
void check_output(const bnconf_tensor& x, const void* out, const char* name);

}  // namespace bnconf::opencl
