// bnconf: the BatchNorm conformance suite's command line.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>

#include "bnconf/version.h"
#include "commands.hpp"

int main(int argc, char** argv) {
  // A closed standard output (bnconf run | head) or a file-size limit must not kill the run
  // before its reports are complete: with these signals ignored, write(2) fails with EPIPE or
  // EFBIG instead, which the report writer reports (signal(7)). Case processes restore them.
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"bnconf: BatchNorm conformance suite"};
  app.set_version_flag("--version", "bnconf " BNCONF_VERSION);
  app.require_subcommand(1);
  std::vector<bnconf::cli::Action> actions{
      bnconf::cli::add_run_command(app),      bnconf::cli::add_check_command(app),
      bnconf::cli::add_gen_command(app),      bnconf::cli::add_backends_command(app),
      bnconf::cli::add_matrix_command(app),   bnconf::cli::add_schema_command(app),
      bnconf::cli::add_coverage_command(app), bnconf::cli::add_fuzz_command(app),
      bnconf::cli::add_list_command(app),     bnconf::cli::add_show_command(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, whatever CLI11's own code.
    return app.exit(e) == 0 ? 0 : 2;
  }
  for (const auto& action : actions) {
    const int status = action();
    if (status >= 0) return status;
  }
  return 2;
}
