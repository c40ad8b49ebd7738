// bnconf matrix: the conformance matrix from JSON reports (docs/conformance-matrix.md).
#include <cstdio>
#include <memory>

#include "bnconf/conformance/matrix.hpp"
#include "bnconf/conformance/report.hpp"
#include "commands.hpp"
#include "validation.hpp"

namespace bnconf::cli {

Action add_matrix_command(CLI::App& app) {
  auto sources = std::make_shared<conformance::MatrixSources>();
  auto out = std::make_shared<std::string>();
  CLI::App* matrix = app.add_subcommand(
      "matrix", "Write the conformance matrix (Markdown) from the JSON reports of run and check");
  matrix->add_option("reports", sources->reports, "JSON reports, in the order to list them")
      ->required()
      ->check(regular_file());
  matrix->add_option("--notes", sources->notes, "Markdown appended as the matrix's notes")
      ->check(regular_file());
  matrix->add_option("--out", *out, "Write the matrix here (default: standard output)");
  return [matrix, sources, out]() -> int {
    if (!matrix->parsed()) return -1;
    try {
      const std::string markdown = conformance::conformance_matrix_markdown(*sources);
      if (out->empty()) {
        std::fputs(markdown.c_str(), stdout);
      } else {
        conformance::create_report_directories(*out);
        conformance::write_atomically(*out, markdown);
        std::printf("bnconf matrix: %zu reports -> %s\n", sources->reports.size(), out->c_str());
      }
      return 0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bnconf matrix: %s\n", e.what());
      return 2;
    }
  };
}

}  // namespace bnconf::cli
