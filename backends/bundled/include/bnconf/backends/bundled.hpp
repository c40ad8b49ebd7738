// The backends linked into the bnconf executable (as opposed to plug-ins found by dlopen).
#pragma once

#include "bnconf/backends/cpu_f32_backend.hpp"
#include "bnconf/backends/reference_backend.hpp"
