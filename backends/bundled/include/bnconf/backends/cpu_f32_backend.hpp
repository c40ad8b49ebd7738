// A float32 CPU BatchNorm written the way a production backend is, bundled as a second real
// backend for the conformance runner and as the unmutated original of suites/material/.
#pragma once

#include "bnconf/adapter.h"

#ifdef __cplusplus
extern "C" {
#endif

// The cpu-f32 backend's table ("cpu-f32"): computes in float (f32; f16 and bf16 decoded to
// float, outputs rounded back), both layouts, ranks 2 to 5, every operation, convention,
// estimator and feature, input validation included; no f64. Valid for the whole process.
const bnconf_backend_v1* bnconf_cpu_f32_backend(void);

#ifdef __cplusplus
}
#endif
