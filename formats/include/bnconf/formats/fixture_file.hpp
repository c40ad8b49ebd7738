// Reading and writing fixture files (HDF5, schema v2, docs/fixture-format.md).
//
// A file holds the cases of one tier under /cases/<case id>. Reading never throws for a
// malformed case: each case is loaded or reported as a LoadError naming the file, the case and
// the field, and the other cases still load. Every attribute and dataset is checked against
// the schema and the operation table (docs/fixture-format.md lists what is rejected), dataset
// sizes before any allocation.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bnconf/cases/case.hpp"

namespace bnconf::formats {

// The fixture schema this bnconf reads and writes. 2: catalogue_sha256 is the digest of the
// file's own tier (1: of the whole catalogue file).
inline constexpr std::int64_t kSchemaVersion = 2;

struct FileInfo {
  std::int64_t schema_version = kSchemaVersion;
  std::string generator_version;
  std::string catalogue_sha256;  // of the catalogue entries of the file's cases
  std::string tier;
};

struct LoadError {
  std::string file;
  std::string case_id;  // empty for file-level problems
  std::string field;    // attribute or dataset, e.g. "eps" or "inputs/x"; may be empty
  std::string message;

  // "fixtures/core.h5: case core.rank.x: inputs/x: should have shape [2, 3] not [2, 4]"
  std::string to_string() const;
};

struct FixtureFile {
  std::string path;
  std::optional<FileInfo> info;         // absent when the file itself could not be read
  std::optional<LoadError> file_error;  // set when the file (not one case) is unusable
  std::vector<std::variant<cases::Case, LoadError>> cases;
};

// Replaces `path` with a file holding `cases`. Byte-reproducible: the same arguments give the
// same bytes (no timestamps are stored).
void write_fixture_file(const std::string& path, const FileInfo& info,
                        const std::vector<cases::Case>& cases);

// The file at `path`, read once (read_regular_file: a FIFO, a device, a link loop or an
// unreadable file is a file_error, never a hang) and parsed in a child process
// (child_process.hpp): a file that makes libhdf5 crash, hang or exhaust memory is a file_error
// saying how the parser ended; the run goes on. Cases come back to this process through an HDF5
// image written by fixture_bytes from what the child parsed and validated.
FixtureFile read_fixture_file(const std::string& path);
// A whole file's bytes parsed in a child process, as read_fixture_file.
FixtureFile parse_fixture_bytes_isolated(const std::string& bytes, const std::string& path);
// A whole file's bytes parsed in this process: only for bytes already verified (the manifest's
// whole-file digest), in a child process, or in a fuzzer. `path` names them in errors.
FixtureFile parse_fixture_bytes(const std::string& bytes, const std::string& path);
// An HDF5 file holding `cases`, in memory (the same content as write_fixture_file's, not the
// same bytes).
std::string fixture_bytes(const FileInfo& info, const std::vector<cases::Case>& cases);

}  // namespace bnconf::formats
