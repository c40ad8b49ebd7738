// The bundled cpu-f32 backend: the implementation in cpu_f32_impl.hpp with no bug switched on.
#include "bnconf/backends/cpu_f32_backend.hpp"

#include "cpu_f32_impl.hpp"

extern "C" const bnconf_backend_v1* bnconf_cpu_f32_backend(void) {
  using bnconf::backends::cpu_f32::Bug;
  using bnconf::backends::cpu_f32::CpuF32Backend;
  return bnconf::adapter::detail::table_of<CpuF32Backend<Bug::none>>();
}
