// bnconf: the BatchNorm conformance suite's command line.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "bnconf/version.h"
#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"bnconf: BatchNorm conformance suite"};
  app.set_version_flag("--version", "bnconf " BNCONF_VERSION);
  app.require_subcommand(1);
  std::vector<bnconf::cli::Action> actions{
      bnconf::cli::add_run_command(app),      bnconf::cli::add_check_command(app),
      bnconf::cli::add_gen_command(app),      bnconf::cli::add_backends_command(app),
      bnconf::cli::add_matrix_command(app),   bnconf::cli::add_schema_command(app),
      bnconf::cli::add_coverage_command(app), bnconf::cli::add_fuzz_command(app),
      bnconf::cli::add_list_command(app),     bnconf::cli::add_show_command(app)};
  CLI11_PARSE(app, argc, argv);
  for (const auto& action : actions) {
    const int status = action();
    if (status >= 0) return status;
  }
  return 2;
}
