// Prints the measured tables of docs/tolerances.md (markdown) from the committed fixtures:
//   1. typical bound magnitudes per dtype and output, relative to the output's scale;
//   2. the fraction of the bound used by correct simulated backends (max error / bound);
//   3. what each buggy simulated backend fails, and by how much.
// Usage: bnconf_tolerance_table [fixtures dir]   (default: the committed fixtures)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "bnconf/conformance/tolerance.hpp"
#include "bnconf/formats/fixture_set.hpp"
#include "simulated_backends.hpp"

namespace {

using bnconf::cases::Case;
using bnconf::cases::Operation;
namespace tt = bnconf::tolerance_testing;

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

std::string dtype_name(const Case& c) { return std::string(bnconf::ieee::to_string(c.spec.dtype)); }

void magnitudes(const std::vector<const Case*>& cases) {
  // (dtype, output) -> relative bounds bound_i / max|expected| of the array
  std::map<std::pair<std::string, std::string>, std::vector<double>> rel;
  for (const Case* c : cases) {
    for (const auto& [name, e] : c->expected) {
      if (name == "num_batches_tracked") continue;
      const auto b = bnconf::conformance::tolerance_bounds(*c, name);
      double scale = 0;
      for (double v : e.values) scale = std::isfinite(v) ? std::max(scale, std::fabs(v)) : scale;
      if (scale == 0) continue;
      std::vector<double>& r = rel[{dtype_name(*c), name}];
      for (std::size_t i = 0; i < b.size(); ++i) {
        if (std::isfinite(e.values[i])) r.push_back(b[i] / scale);
      }
    }
  }
  std::printf("| dtype | output | elements | median | 90th percentile | max |\n");
  std::printf("|---|---|---:|---:|---:|---:|\n");
  for (const auto& [key, r] : rel) {
    std::printf("| %s | %s | %zu | %.2g | %.2g | %.2g |\n", key.first.c_str(), key.second.c_str(),
                r.size(), quantile(r, 0.5), quantile(r, 0.9), quantile(r, 1.0));
  }
}

struct Result {
  std::size_t cases = 0;
  std::map<std::pair<std::string, std::string>, double> worst;  // (dtype, output) -> ratio
  std::vector<std::pair<std::string, double>> failed;           // case -> worst ratio
  std::map<std::string, std::string> failed_outputs;
};

Result measure(tt::SimulatedBackend& b, const std::vector<const Case*>& cases) {
  Result r;
  for (const Case* c : cases) {
    ++r.cases;
    const auto out = tt::outputs_of(b, *c);
    double case_worst = 0;
    std::string outputs;
    for (const auto& k : tt::check_case(*c, out)) {
      double& w = r.worst[{dtype_name(*c), k.output}];
      w = std::max(w, k.worst_ratio);
      if (k.failures > 0) {
        case_worst = std::max(case_worst, k.worst_ratio);
        outputs += (outputs.empty() ? "" : ",") + k.output;
      }
    }
    if (!outputs.empty()) {
      r.failed.emplace_back(c->spec.id, case_worst);
      r.failed_outputs[c->spec.id] = outputs;
    }
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : BNCONF_FIXTURES_DIR;
  const auto set = bnconf::formats::load_fixture_set({dir});
  std::vector<const Case*> cases;
  for (const auto& c : set.cases) {
    if (c.spec.operation != Operation::error) cases.push_back(&c);
  }
  std::printf("## Bound magnitudes (bound / max |expected| of the output array)\n\n");
  magnitudes(cases);

  std::printf("\n## Slack used by correct backends (max |actual - expected| / bound)\n\n");
  std::vector<std::unique_ptr<tt::SimulatedBackend>> correct;
  correct.push_back(tt::rounded_reference(tt::ChannelRounding::none));
  correct.push_back(tt::rounded_reference(tt::ChannelRounding::accumulation));
  correct.push_back(tt::float_backend("float pairwise two-pass", {}));
  tt::FloatOptions torch;
  torch.torch_like = true;
  correct.push_back(tt::float_backend("PyTorch-like", torch));
  tt::FloatOptions sequential;
  sequential.summation = tt::Summation::sequential;
  correct.push_back(tt::float_backend("float sequential two-pass", sequential));
  correct.push_back(tt::rounded_reference(tt::ChannelRounding::dtype));
  std::map<std::pair<std::string, std::string>, std::vector<double>> table;
  for (const auto& b : correct) {
    const auto start = std::chrono::steady_clock::now();
    const Result r = measure(*b, cases);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("- %s: %zu of %zu cases fail (%.1f s)", b->name().c_str(), r.failed.size(), r.cases,
                seconds);
    for (const auto& [id, ratio] : r.failed) {
      std::printf(" %s[%s] x%.3g;", id.c_str(), r.failed_outputs.at(id).c_str(), ratio);
    }
    std::printf("\n");
    for (const auto& [key, w] : r.worst) table[key].push_back(w);
  }
  std::printf("\n| dtype | output |");
  for (const auto& b : correct) std::printf(" %s |", b->name().c_str());
  std::printf("\n|---|---|");
  for (std::size_t i = 0; i < correct.size(); ++i) std::printf("---:|");
  std::printf("\n");
  for (const auto& [key, ws] : table) {
    std::printf("| %s | %s |", key.first.c_str(), key.second.c_str());
    for (double w : ws) std::printf(" %.3g |", w);
    std::printf("\n");
  }

  std::printf(
      "\n## Buggy backends\n\n| defect | failing cases | examples (worst error / bound) |\n");
  std::printf("|---|---:|---|\n");
  const std::vector<std::pair<std::string, void (*)(tt::FloatOptions&)>> defects{
      {"one_pass_variance", [](tt::FloatOptions& o) { o.one_pass_variance = true; }},
      {"eps_outside_sqrt", [](tt::FloatOptions& o) { o.eps_outside_sqrt = true; }},
      {"unbiased_normalisation", [](tt::FloatOptions& o) { o.unbiased_normalisation = true; }},
      {"biased_running_var", [](tt::FloatOptions& o) { o.biased_running_var = true; }},
      {"swapped_momentum", [](tt::FloatOptions& o) { o.swapped_momentum = true; }},
      {"drop_mean_dy", [](tt::FloatOptions& o) { o.drop_mean_dy = true; }},
      {"drop_xhat_term", [](tt::FloatOptions& o) { o.drop_xhat_term = true; }},
      {"low_precision_accumulation",
       [](tt::FloatOptions& o) { o.summation = tt::Summation::low_precision; }},
      {"eval_backward_batch_stats",
       [](tt::FloatOptions& o) { o.eval_backward_batch_stats = true; }},
      {"clamp_eps", [](tt::FloatOptions& o) { o.clamp_eps = true; }},
      {"nan_not_propagated", [](tt::FloatOptions& o) { o.nan_not_propagated = true; }},
  };
  for (const auto& [name, set_flag] : defects) {
    tt::FloatOptions o;
    set_flag(o);
    const Result r = measure(*tt::float_backend(name, o), cases);
    std::printf("| %s | %zu |", name.c_str(), r.failed.size());
    std::vector<std::pair<std::string, double>> f = r.failed;
    std::sort(f.begin(), f.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (std::size_t i = 0; i < f.size(); ++i) {
      if (i < 6 || i + 1 == f.size()) {
        std::printf(" %s[%s] %.3g;", f[i].first.c_str(), r.failed_outputs.at(f[i].first).c_str(),
                    f[i].second);
      } else if (i == 6) {
        std::printf(" ...;");
      }
    }
    std::printf(" |\n");
  }
  return 0;
}
