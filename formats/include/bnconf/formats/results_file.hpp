// Results files (protocol v1, docs/fixture-format.md): what an out-of-process backend (a Python
// framework, a remote GPU) computed for the fixture cases, to be judged by `bnconf check`.
//
// HDF5: file attributes backend_name, backend_version, schema_version = 1; one group
// /results/<case id> per case with attribute status ("ok", "unsupported", "invalid_argument",
// "backend_error"), optional attribute message, and for "ok" one float64 dataset per output,
// named and shaped like the case's expected outputs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bnconf/cases/array.hpp"

namespace bnconf::formats {

struct CaseResultEntry {
  std::string status = "ok";
  std::string message;
  std::map<std::string, cases::Array> outputs;
};

struct ResultsFile {
  std::string backend_name;
  std::string backend_version;
  std::map<std::string, CaseResultEntry> cases;
  std::vector<std::string> errors;  // malformed entries, each naming the case and field
};

// Throws std::runtime_error when the file itself is unusable; malformed cases go to `errors`.
ResultsFile read_results_file(const std::string& path);
void write_results_file(const std::string& path, const ResultsFile& results);

}  // namespace bnconf::formats
