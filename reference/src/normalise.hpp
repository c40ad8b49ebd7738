// The per-element affine normalisation y = scale * (x - centre) + shift shared by training and
// inference forward, with its per-channel coefficients in double-double.
#pragma once

#include <vector>

#include "bnconf/reference/numerics/double_double.hpp"
#include "bnconf/reference/tensor.hpp"
#include "channel_blocks.hpp"
#include "element_formulas.hpp"

namespace bnconf::reference::detail {

// 1 / sqrt(var + eps). With zero_for_zero_variance, 0 when var + eps == 0 (PyTorch's InvStd
// rule for saved statistics, so a constant channel with eps = 0 maps to beta); otherwise IEEE
// (1 / 0 = inf).
numerics::DoubleDouble inverse_std(numerics::DoubleDouble var, double eps,
                                   bool zero_for_zero_variance);

// y with x's layout, y = transform_element(x, transforms[c]) for every element (by the path
// execution_options() names; both give the same bits).
Tensor apply_transform(const Tensor& x, const ChannelBlocks& blocks,
                       const std::vector<ChannelTransform>& transforms);

}  // namespace bnconf::reference::detail
