// The kernel table of an instruction set.
#include "kernels.hpp"

namespace bnconf::reference::detail::fast {

const Kernels& kernels_for(Isa isa) {
  switch (isa) {
    case Isa::avx512:
      return avx512_kernels();
    case Isa::avx2:
      return avx2_kernels();
    case Isa::portable:
      break;
  }
  return portable_kernels();
}

}  // namespace bnconf::reference::detail::fast
