// The conformance matrix (docs/conformance-matrix.md): generated from the JSON reports of
// `bnconf run` and `bnconf check`, never typed. For every report: backend, version, how it was
// run, counts per dtype and tier, run time, unsupported reasons, and each case that did not pass
// with its failing outputs, worst error against bound, and explanation (from --expect) or the
// word UNEXPLAINED.
#pragma once

#include <string>
#include <vector>

namespace bnconf::conformance {

struct MatrixSources {
  std::vector<std::string> reports;  // JSON reports, in the order the matrix lists them
  std::string notes;                 // a Markdown file appended as the matrix's notes (optional)
};

// The matrix as Markdown. Throws std::runtime_error naming a report that cannot be read or lacks
// the report fields.
std::string conformance_matrix_markdown(const MatrixSources& sources);

}  // namespace bnconf::conformance
