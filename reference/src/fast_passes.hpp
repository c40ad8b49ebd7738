// The element passes (y, dx) by the fast path's vector kernels, the tensor's runs shared among
// threads. Every value equals the scalar formula's of element_formulas.hpp, bit for bit.
#pragma once

#include <vector>

#include "bnconf/reference/execution.hpp"
#include "bnconf/reference/tensor.hpp"
#include "channel_blocks.hpp"
#include "element_formulas.hpp"

namespace bnconf::reference::detail {

// y = transform_element(x, transforms[c]); y has x's strides.
void fast_transform(const Tensor& x, Tensor& y, const ChannelBlocks& blocks,
                    const std::vector<ChannelTransform>& transforms, Isa isa);

// dx = backward_element(x, dy, coefficients[c]); dy and dx have x's strides.
void fast_backward_dx(const Tensor& x, const Tensor& dy, Tensor& dx, const ChannelBlocks& blocks,
                      const std::vector<BackwardCoefficients>& coefficients, Isa isa);

// dx = scale_element(dy, scale[c]).
void fast_scale_dx(const Tensor& dy, Tensor& dx, const ChannelBlocks& blocks,
                   const std::vector<numerics::DoubleDouble>& scale, Isa isa);

}  // namespace bnconf::reference::detail
