// Results files (protocol v1, docs/fixture-format.md): what an out-of-process backend (a Python
// framework, a remote GPU) computed for the fixture cases, to be judged by `bnconf check`.
//
// HDF5: file attributes backend_name, backend_version, schema_version = 1; one group
// /results/<case id> per case with attribute status ("ok", "unsupported", "invalid_argument",
// "backend_error"), optional attribute message, optional string-list attribute unchecked (outputs
// the producer declares it did not compute) with unchecked_reason, and for "ok" one float64
// dataset per output, named and shaped like the case's expected outputs.
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
  // Outputs the producer declares it did not compute (judged "not checked", as a backend's
  // undeclared output groups are), and why; a reason is required when any is named.
  std::vector<std::string> unchecked;
  std::string unchecked_reason;
};

struct ResultsFile {
  std::string backend_name;
  std::string backend_version;
  std::map<std::string, CaseResultEntry> cases;
  std::vector<std::string> errors;  // malformed entries, each naming the case and field
};

// Throws std::runtime_error when the file itself is unusable; malformed cases go to `errors`.
// The file is read once (read_regular_file) and parsed in a child process (child_process.hpp),
// so that a file that makes libhdf5 crash, hang or exhaust memory is an error naming the file and
// how the parser ended.
ResultsFile read_results_file(const std::string& path);
// A whole file's bytes parsed in this process (a child's, a fuzzer's); `path` names them.
ResultsFile parse_results_bytes(const std::string& bytes, const std::string& path);
// A results file in memory, with the same content as write_results_file's.
std::string results_bytes(const ResultsFile& results);
void write_results_file(const std::string& path, const ResultsFile& results);

}  // namespace bnconf::formats
