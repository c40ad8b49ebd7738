// Checks of command-line values, each failing with one message that names what is wrong and
// what is expected. CLI11 prints a failed check as "--timeout: <message>", and main turns every
// usage error into exit status 2.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>
#include <vector>

namespace bnconf::cli {

// A finite number of seconds in (0, max]: not 0, negative, inf or nan.
CLI::Validator seconds_in(double max);
// A whole number in [1, max].
CLI::Validator count_in(std::size_t max);
// A whole number in [0, max].
CLI::Validator count_up_to(std::size_t max);
// A tier of the tier table.
CLI::Validator tier_name();
// An existing regular file (a FIFO or a device would hang or flood the reader).
CLI::Validator regular_file();
// "I/N" with decimal digits only, N >= 1 and I < N.
CLI::Validator shard_spec();
bool parse_shard(const std::string& text, std::size_t& index, std::size_t& count);

// The first path that names the same file or directory as an earlier one ("" if none), e.g.
// "fixtures/ and ./fixtures"; paths that do not exist compare as written.
std::string repeated_path(const std::vector<std::string>& paths);

}  // namespace bnconf::cli
