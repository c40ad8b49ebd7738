// bnconf gen --out DIR | --check DIR
#include <cstdio>
#include <memory>

#include "bnconf/generators/catalogue.hpp"
#include "bnconf/generators/generate.hpp"
#include "commands.hpp"
#include "validation.hpp"

namespace bnconf::cli {
namespace {

struct GenOptions {
  std::string out;
  std::string check;
  std::string catalogue;
  std::vector<std::string> tiers;
  bool on_demand = false;
};

int run_gen(const GenOptions& options) {
  generators::GenerateOptions generate_options{options.catalogue, options.tiers, options.on_demand};
  try {
    if (!options.check.empty()) {
      const auto report = generators::check(generate_options, options.check);
      for (const auto& line : report.differences) std::printf("DIFFERS  %s\n", line.c_str());
      if (report.identical()) {
        std::printf("gen --check: %s is identical to a fresh generation (%zu cases, bit for bit)\n",
                    options.check.c_str(), report.cases_compared);
        return 0;
      }
      std::printf("gen --check: %zu difference(s) between %s and a fresh generation\n",
                  report.differences.size(), options.check.c_str());
      return 1;
    }
    const auto summary = generators::generate(generate_options, options.out);
    for (const auto& file : summary.files) std::printf("wrote %s\n", file.c_str());
    std::printf("gen: %zu cases in %.2f s\n", summary.cases, summary.seconds);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bnconf gen: %s\n", e.what());
    return 2;
  }
}

}  // namespace

Action add_gen_command(CLI::App& app) {
  auto options = std::make_shared<GenOptions>();
  CLI::App* gen = app.add_subcommand(
      "gen",
      "Write the golden fixtures from the case catalogue, or check a directory against a "
      "fresh generation bit for bit");
  auto* out =
      gen->add_option("--out", options->out, "Directory to write <tier>.h5 and manifest.json to");
  auto* check = gen->add_option("--check", options->check,
                                "Regenerate and compare with this directory; exit 0 iff identical");
  out->excludes(check);
  gen->add_option("--catalogue", options->catalogue, "Case catalogue (default: the source tree's)");
  gen->add_option("--tier", options->tiers, "Only these tiers (core, stress, ieee, errors)")
      ->delimiter(',')
      ->check(tier_name());
  gen->add_flag("--on-demand", options->on_demand,
                "Include the groups too large to commit (large reductions of the stress tier)");
  gen->callback([gen, out, check] {
    if (out->count() + check->count() == 0) throw CLI::RequiredError("--out or --check");
    (void)gen;
  });
  return [gen, options] { return gen->parsed() ? run_gen(*options) : -1; };
}

}  // namespace bnconf::cli
