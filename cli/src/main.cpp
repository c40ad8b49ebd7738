// bnconf: the BatchNorm conformance suite's command line.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "bnconf/version.h"
#include "commands.hpp"
#include "suggestion.hpp"

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
  // Every verb answers --version too.
  for (CLI::App* verb : app.get_subcommands({})) {
    verb->set_version_flag("--version", "bnconf " BNCONF_VERSION);
  }
  // A mistyped verb: name the nearest one.
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> verbs;
    for (const CLI::App* verb : app.get_subcommands({})) verbs.push_back(verb->get_name());
    const std::string typed = argv[1];
    if (std::find(verbs.begin(), verbs.end(), typed) == verbs.end()) {
      const std::string nearest = bnconf::cli::nearest_name(typed, verbs);
      std::fprintf(stderr, "bnconf: '%s' is not a command%s%s%s (bnconf --help lists them)\n",
                   typed.c_str(), nearest.empty() ? "" : "; did you mean '", nearest.c_str(),
                   nearest.empty() ? "" : "'?");
      return 2;
    }
  }
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
