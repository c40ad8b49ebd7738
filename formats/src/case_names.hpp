// The case model's names (they live in bnconf::cases), used unqualified throughout formats/.
#pragma once

#include "bnconf/cases/case.hpp"

namespace bnconf::formats {

using cases::Array;
using cases::Case;
using cases::CaseSpec;
using cases::Operation;

}  // namespace bnconf::formats
