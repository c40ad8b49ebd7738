// The vector kernels of the fast path, one table per instruction set (kernels_portable.cpp,
// kernels_avx2.cpp, kernels_avx512.cpp, all compiled from kernels_body.inc).
//
// Each kernel does one thread's share (`part` of `parts`) of one pass over the storage of an
// activation tensor, seen as channel runs (channel_blocks.hpp). Layouts whose runs hold several
// values (channels-first) are vectorised along the runs; layouts whose runs hold one value
// (channels-last, inner == 1) across consecutive channels.
#pragma once

#include <cstddef>

#include "../channel_blocks.hpp"
#include "../element_formulas.hpp"
#include "bnconf/reference/execution.hpp"
#include "bnconf/reference/numerics/exact_sum.hpp"
#include "counters.hpp"

namespace bnconf::reference::detail::fast {

// The exact sums of one channel from the fused statistics pass: sum x and sum x^2, and with dy
// also sum dy and sum dy * x. `declined` when some value is outside the range in which the fast
// path's sums are proven exact (then the exact path recomputes the channel and these sums are
// meaningless).
struct ChannelSums {
  numerics::ExactSum x, xx, dy, dyx;
  bool declined = false;

  void add(const ChannelSums& other) {
    x.add(other.x);
    xx.add(other.xx);
    dy.add(other.dy);
    dyx.add(other.dyx);
    declined = declined || other.declined;
  }
};

struct Share {
  ChannelBlocks blocks;
  std::size_t part = 0;
  std::size_t parts = 1;
};

struct Kernels {
  Isa isa;
  int width;  // doubles per vector
  // Adds this share's terms to sums[c] (one entry per channel). dy may be null (forward).
  void (*sums)(const Share& share, const double* x, const double* dy, ChannelSums* sums,
               Counters& counters);
  // y = transform_element(x, transforms[c]) for this share's elements.
  void (*transform)(const Share& share, const double* x, double* y,
                    const ChannelTransform* transforms, Counters& counters);
  // dx = backward_element(x, dy, coefficients[c]).
  void (*backward)(const Share& share, const double* x, const double* dy, double* dx,
                   const BackwardCoefficients* coefficients, Counters& counters);
  // dx = scale_element(dy, scale[c]).
  void (*scale)(const Share& share, const double* dy, double* dx,
                const numerics::DoubleDouble* scale, Counters& counters);
};

const Kernels& portable_kernels();
const Kernels& avx2_kernels();
const Kernels& avx512_kernels();

// The table for `isa` (which the CPU must support).
const Kernels& kernels_for(Isa isa);

}  // namespace bnconf::reference::detail::fast
