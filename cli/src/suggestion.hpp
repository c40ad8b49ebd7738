// "Did you mean": the known name nearest a mistyped one (a verb), by edit distance.
#pragma once

#include <string>
#include <vector>

namespace bnconf::cli {

// The candidate within edit distance 2 of `typed` (Levenshtein: insertions, deletions and
// substitutions), the nearest first; empty when none is that near.
std::string nearest_name(const std::string& typed, const std::vector<std::string>& candidates);

}  // namespace bnconf::cli
