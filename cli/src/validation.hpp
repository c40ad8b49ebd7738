// Checks of command-line values, each failing with one message that names what is wrong and
// what is expected, and the options several verbs share, declared once with their checks. CLI11
// prints a failed check as "--timeout: <message>", and main turns every usage error into exit
// status 2.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bnconf::cli {

// The largest number of seconds an option takes (--timeout, --cpu-limit, fuzz --seconds): a day.
inline constexpr double kMaxSeconds = 86400;

// The limits of each case's process (`run` and `fuzz`): --timeout, --memory-limit, --cpu-limit.
struct CaseLimits {
  double timeout = 60;
  std::optional<std::uint64_t> memory_limit_mib;
  std::optional<std::uint64_t> cpu_limit;
};
// Declares the three options on `verb`, each with its check, into `limits`.
void add_case_limit_options(CLI::App* verb, CaseLimits& limits);
// The limits as RunOptions and FuzzOptions hold them (timeout_seconds, memory_limit_bytes,
// cpu_limit_seconds).
template <class Options>
void apply_case_limits(const CaseLimits& limits, Options& options) {
  options.timeout_seconds = limits.timeout;
  if (limits.memory_limit_mib) options.memory_limit_bytes = *limits.memory_limit_mib << 20;
  if (limits.cpu_limit) options.cpu_limit_seconds = *limits.cpu_limit;
}

// --quiet (`run`, `check`, `fuzz`): no progress, no table; only what did not pass and the count
// line.
void add_quiet_flag(CLI::App* verb, bool& quiet);

// A finite number of seconds in (0, max]: not 0, negative, inf or nan.
CLI::Validator seconds_in(double max);
// A whole number in [1, max].
CLI::Validator count_in(std::size_t max);
// A whole number in [0, max].
CLI::Validator count_up_to(std::size_t max);
// A tier of the tier table; a mistyped one is refused naming the nearest tier ("did you mean").
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
