// The double-precision reference (bnconf::reference) exposed through the backend ABI, for the
// bnconf executable to run fixtures against it like any other backend.
#pragma once

#include "bnconf/adapter.h"

#ifdef __cplusplus
extern "C" {
#endif

// The reference backend's table ("reference"): every dtype (inputs decoded exactly to double,
// outputs rounded to nearest even back to the dtype), both layouts, ranks 2 to 5, every operation,
// convention, estimator and feature, input validation included. Valid for the whole process.
const bnconf_backend_v1* bnconf_reference_backend(void);

#ifdef __cplusplus
}
#endif
