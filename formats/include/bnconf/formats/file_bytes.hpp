// Reading a file that nothing vouches for yet (a fixture, a manifest, a results file) without
// letting its kind hang or exhaust the reader: it must be a regular file (a FIFO or a device
// named *.h5 is refused before any read; open(2) with O_NONBLOCK, so that opening a FIFO cannot
// block) and at most `max_bytes` long, and its bytes are read once, so that what is verified is
// what is parsed.
#pragma once

#include <cstdint>
#include <string>

namespace bnconf::formats {

// The whole file. Throws std::runtime_error naming the path and the problem: cannot be opened
// (with errno's text: no such file, a symbolic link loop, permission denied), not a regular file
// (saying what it is), larger than `max_bytes`, or changed size while being read.
std::string read_regular_file(const std::string& path, std::uint64_t max_bytes);

// The largest fixture or results file bnconf reads (4 GiB); manifests are smaller (64 MiB).
inline constexpr std::uint64_t kMaxDataFileBytes = std::uint64_t{4} << 30;
inline constexpr std::uint64_t kMaxManifestBytes = std::uint64_t{64} << 20;

}  // namespace bnconf::formats
