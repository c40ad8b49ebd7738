#include "validation.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "bnconf/cases/tiers.hpp"
#include "suggestion.hpp"

namespace bnconf::cli {
namespace {

std::string tier_list() {
  std::string list;
  for (const auto& row : cases::tier_table())
    list += (list.empty() ? "" : ", ") + std::string(row.name);
  return list;
}

// Decimal digits only (no sign, no spaces), at most 18 of them.
bool digits(const std::string& text, std::size_t& value) {
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  value = std::stoull(text);
  return true;
}

}  // namespace

CLI::Validator seconds_in(double max) {
  return CLI::Validator(
      [max](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        const double value = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(value) || value <= 0 ||
            value > max) {
          return "should be a number of seconds greater than 0 and at most " +
                 std::to_string(static_cast<long long>(max)) + ", not '" + text + "'";
        }
        return "";
      },
      "SECONDS");
}

CLI::Validator count_in(std::size_t max) {
  return CLI::Validator(
      [max](std::string& text) -> std::string {
        std::size_t value = 0;
        if (!digits(text, value) || value < 1 || value > max) {
          return "should be a whole number from 1 to " + std::to_string(max) + ", not '" + text +
                 "'";
        }
        return "";
      },
      "N");
}

CLI::Validator count_up_to(std::size_t max) {
  return CLI::Validator(
      [max](std::string& text) -> std::string {
        std::size_t value = 0;
        if (!digits(text, value) || value > max) {
          return "should be a whole number from 0 to " + std::to_string(max) + ", not '" + text +
                 "'";
        }
        return "";
      },
      "N");
}

CLI::Validator tier_name() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (cases::is_tier(text)) return "";
        std::vector<std::string> tiers;
        for (const auto& row : cases::tier_table()) tiers.emplace_back(row.name);
        const std::string nearest = nearest_name(text, tiers);
        if (!nearest.empty()) {
          return "unknown tier '" + text + "' (did you mean '" + nearest + "'?)";
        }
        return "'" + text + "' is not a tier (" + tier_list() + ")";
      },
      "TIER");
}

CLI::Validator regular_file() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        struct stat info {};
        if (::stat(text.c_str(), &info) != 0) return text + ": " + std::strerror(errno);
        if (!S_ISREG(info.st_mode)) return text + ": not a regular file";
        return "";
      },
      "FILE");
}

bool parse_shard(const std::string& text, std::size_t& index, std::size_t& count) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return false;
  return digits(text.substr(0, slash), index) && digits(text.substr(slash + 1), count) &&
         count >= 1 && index < count;
}

CLI::Validator shard_spec() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::size_t index = 0, count = 0;
        if (parse_shard(text, index, count)) return "";
        return "should be I/N with whole numbers 0 <= I < N, not '" + text + "'";
      },
      "I/N");
}

void add_case_limit_options(CLI::App* verb, CaseLimits& limits) {
  verb->add_option("--timeout", limits.timeout,
                   "Seconds allowed per case before it is killed (default 60)")
      ->check(seconds_in(kMaxSeconds));
  verb->add_option("--memory-limit", limits.memory_limit_mib,
                   "MiB of memory a case's process may allocate (RLIMIT_DATA; default: half the "
                   "machine's; not applied under AddressSanitizer)")
      ->check(count_in(std::size_t{1} << 30));
  verb->add_option("--cpu-limit", limits.cpu_limit,
                   "Seconds of CPU time a case's process may use, all threads together "
                   "(RLIMIT_CPU; default: four times --timeout)")
      ->check(count_in(static_cast<std::size_t>(kMaxSeconds)));
}

void add_quiet_flag(CLI::App* verb, bool& quiet) {
  verb->add_flag("--quiet", quiet,
                 "Print only the cases that did not pass and the count line (and errors): no "
                 "progress, no table");
}

std::string repeated_path(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::pair<fs::path, std::string>> seen;
  for (const auto& path : paths) {
    std::error_code error;
    fs::path key = fs::weakly_canonical(path, error);
    if (error) key = fs::path(path).lexically_normal();
    if (!key.has_filename() && key.has_parent_path()) key = key.parent_path();  // "dir/"
    for (const auto& [other, written] : seen) {
      if (other == key) return written + " and " + path;
    }
    seen.emplace_back(key, path);
  }
  return "";
}

}  // namespace bnconf::cli
