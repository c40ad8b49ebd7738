// The verbs of the bnconf command line; each registers its subcommand and runs it.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace bnconf::cli {

// A registered verb: call after parsing when its subcommand was chosen; returns the exit status.
using Action = std::function<int()>;

Action add_gen_command(CLI::App& app);
Action add_run_command(CLI::App& app);
Action add_check_command(CLI::App& app);
Action add_backends_command(CLI::App& app);
Action add_matrix_command(CLI::App& app);
Action add_schema_command(CLI::App& app);
Action add_coverage_command(CLI::App& app);
Action add_fuzz_command(CLI::App& app);

}  // namespace bnconf::cli
