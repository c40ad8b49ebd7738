// One mutant of cpu-f32: the same implementation with the bug BNCONF_MUTATION switched on,
// built as a plug-in exporting bnconf_backend_v1_entry so that the runner loads it by path.
#include "cpu_f32_impl.hpp"

#ifndef BNCONF_MUTATION
#error "BNCONF_MUTATION must name a bnconf::backends::cpu_f32::Bug"
#endif

BNCONF_EXPORT_BACKEND(
    ::bnconf::backends::cpu_f32::CpuF32Backend<::bnconf::backends::cpu_f32::Bug::BNCONF_MUTATION>)
