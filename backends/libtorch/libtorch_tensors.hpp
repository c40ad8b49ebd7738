// The adapter ABI's buffers as libtorch tensors, without copies where the ABI's storage already is
// a torch tensor: activations become strided views of the caller's memory (channels-last is the
// stride order (N, spatial..., C), which for ranks 4 and 5 is torch.channels_last and
// channels_last_3d), and results are copied into the caller's buffers in their layout.
#pragma once

#include <torch/torch.h>

#include "bnconf/adapter.h"

namespace bnconf::backends::libtorch {

// torch's dtype for an ABI activation dtype.
at::ScalarType scalar_type_of(bnconf_dtype dtype);

// The dtype libtorch uses for weight, bias and running statistics with this activation dtype:
// double for f64, float otherwise (PyTorch's mixed-precision batch norm keeps them in float).
at::ScalarType parameter_type_of(bnconf_dtype dtype);

// A read-only view of x (never written: the ABI's inputs are const).
at::Tensor view_of(const bnconf_tensor& x);

// A view of an output buffer with x's shape, layout and dtype.
at::Tensor output_view(const bnconf_tensor& x, void* data);

// A per-channel vector as a tensor of `type`; an undefined tensor for an absent vector.
at::Tensor channel_tensor(const bnconf_vector& v, at::ScalarType type);

// Copies a per-channel tensor into an output vector the caller asked for (data != NULL).
void write_channels(const at::Tensor& values, bnconf_vector_out out);

}  // namespace bnconf::backends::libtorch
