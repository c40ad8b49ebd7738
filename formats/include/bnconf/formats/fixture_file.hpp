// Reading and writing fixture files (HDF5, schema v1, docs/fixture-format.md).
//
// A file holds the cases of one tier under /cases/<case id>. Reading never throws for a
// malformed case: each case is loaded or reported as a LoadError naming the file, the case and
// the field, and the other cases still load.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bnconf/cases/case.hpp"

namespace bnconf::formats {

inline constexpr std::int64_t kSchemaVersion = 1;

struct FileInfo {
  std::int64_t schema_version = kSchemaVersion;
  std::string generator_version;
  std::string catalogue_sha256;
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

FixtureFile read_fixture_file(const std::string& path);

}  // namespace bnconf::formats
