// The fixture manifest: SHA-256 checksums of every dataset and of every case's attributes, so
// that a corrupted or hand-edited fixture is detected before it is used.
//
// Stored as manifest.json next to the .h5 files (docs/fixture-format.md).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bnconf/cases/case.hpp"
#include "bnconf/formats/schema.hpp"

namespace bnconf::formats {

struct ManifestCase {
  std::string attributes_sha256;                // of canonical_spec_text(spec)
  std::map<std::string, std::string> datasets;  // "inputs/x" -> sha256 of its stored bytes
};

struct ManifestFile {
  std::string sha256;                 // of the whole file
  std::string catalogue_sha256;       // the file's catalogue_sha256 attribute: its tier's digest
  std::optional<std::uint64_t> size;  // bytes of the whole file, when the manifest says
  std::map<std::string, ManifestCase> cases;
};

struct Manifest {
  std::int64_t schema_version = 0;
  std::string generator_version;
  std::map<std::string, ManifestFile> files;  // by file name, e.g. "core.h5"
};

std::string sha256_hex(const void* data, std::size_t size);
std::string file_sha256(const std::string& path);
// SHA-256 of the bytes a dataset holds: little-endian float64 (or int64 for integer datasets)
// in row-major order.
std::string dataset_sha256(const cases::Array& array, bool integer);
// One "name=value" line per attribute in a fixed order; doubles in shortest round-trip form.
std::string canonical_spec_text(const cases::CaseSpec& spec);

ManifestCase manifest_entry(const cases::Case& c);
// Differences between a loaded case and its manifest entry, one line each naming the field
// ("inputs/x: sha256 ... expected ..."); empty when they agree.
std::vector<std::string> manifest_mismatches(const ManifestCase& entry, const cases::Case& c);

void write_manifest(const std::string& path, const Manifest& manifest);
// The manifest schema this bnconf reads and writes. 2: a catalogue digest per file (1 had one for
// the whole catalogue).
inline constexpr std::int64_t kManifestSchemaVersion = 2;

// Throws std::runtime_error naming the path and the problem: not a regular file, too large,
// malformed JSON, a schema_version other than 2 (an older one: regenerate), a digest that is not 64
// lowercase hex digits, a size that is not a non-negative integer.
Manifest read_manifest(const std::string& path);

}  // namespace bnconf::formats
