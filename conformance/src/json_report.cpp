// The JSON report (the contract's fields; docs/adapter-guide.md "Reports"), always valid UTF-8.
#include <cmath>
#include <nlohmann/json.hpp>

#include "bnconf/conformance/ratio_bins.hpp"
#include "report_writers.hpp"

namespace bnconf::conformance {
namespace {

using Json = nlohmann::ordered_json;

// JSON has no NaN or infinity: such values are written as the strings "nan", "inf", "-inf".
// An integer output's whole values are written as JSON integers ("2147483648", not
// "2147483648.0"), as the counter they are.
Json number(double v, bool integer = false) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (integer && v == std::trunc(v) && std::fabs(v) < 0x1p63) return static_cast<std::int64_t>(v);
  return v;
}

// Error over bound (bound_ratio); null where it has none.
Json ratio(double error, double bound) {
  const std::optional<double> r = bound_ratio(error, bound);
  return r ? Json(*r) : Json(nullptr);
}

Json ratio_bins() {
  Json bins = Json::array();
  for (std::size_t b = 0; b < kRatioBinCount; ++b) {
    bins.push_back({{"label", ratio_bin_label(b)}, {"upper", number(kRatioBinUppers[b])}});
  }
  return bins;
}

// The worst elements of an output, worst first.
Json worst_elements(const OutputCheck& o) {
  Json worst = Json::array();
  for (const ElementError& w : o.worst) {
    worst.push_back({{"index", w.index},
                     {"expected", number(w.expected, o.integer)},
                     {"actual", number(w.actual, o.integer)},
                     {"error", number(w.error, o.integer)},
                     {"bound", number(w.bound, o.integer)},
                     {"ratio", ratio(w.error, w.bound)}});
  }
  return worst;
}

}  // namespace

std::string json_report(const Report& report) {
  const RunInfo& info = report.info();
  Json json;
  Json summary = Json::object();
  for (const auto& [status, n] : report.counts()) summary[to_string(status)] = n;
  summary["expected_failures"] = report.expected_failure_count();
  summary["unexplained"] = report.unexplained_count();
  json["summary"] = summary;
  json["backend"] = {{"name", info.backend_name},
                     {"version", info.backend_version},
                     {"origin", info.backend_origin}};
  json["complete"] = report.complete();
  json["tolerance"] = info.rule;
  json["tests"] = report.results().size();
  json["selected"] = info.selected;
  json["fixtures"] = info.fixtures;
  json["load_errors"] = info.load_errors;
  if (!info.expectations.empty()) {
    json["expectations"] = {{"file", info.expectations}, {"stale", info.stale_expectations}};
  }
  if (info.exit_status >= 0) {
    json["exit"] = {{"status", info.exit_status}, {"meaning", info.exit_meaning}};
  }
  json["ratio_bins"] = ratio_bins();
  Json cases = Json::array();
  for (const auto& r : report.results()) {
    Json outputs = Json::array();
    for (const auto& o : r.outputs) {
      Json output = {{"name", o.name},
                     {"passed", o.passed},
                     {"elements", o.elements},
                     {"out_of_bound", o.out_of_bound},
                     {"error", number(o.error, o.integer)},
                     {"bound", number(o.bound, o.integer)}};
      // How far past (or within) its bound the worst element is: error / bound.
      if (const auto r = bound_ratio(o.error, o.bound)) output["ratio"] = *r;
      if (!o.passed || !o.index.empty()) {
        output["worst_index"] = o.index;
        output["expected"] = number(o.expected, o.integer);
        output["actual"] = number(o.actual, o.integer);
      }
      if (!o.reason.empty()) output["reason"] = o.reason;
      if (!o.not_checked.empty()) output["not_checked"] = o.not_checked;
      output["informative"] = o.informative;
      output["ratio_histogram"] = o.ratio_histogram;
      output["non_finite_mismatches"] = o.non_finite_mismatches;
      if (!o.passed && !o.worst.empty()) output["worst"] = worst_elements(o);
      if (const RoundingBias& b = o.rounding_bias; b.elements > 0) {
        output["rounding_bias"] = {{"elements", b.elements},
                                   {"mean_ulps", b.mean_ulps},
                                   {"mean_toward_zero_ulps", b.mean_toward_zero},
                                   {"spread_ulps", b.spread_ulps},
                                   {"bound_ulps", b.bound_ulps},
                                   {"passed", b.passed}};
      }
      outputs.push_back(output);
    }
    cases.push_back({{"id", r.id},
                     {"tier", r.tier},
                     {"operation", r.operation},
                     {"dtype", r.dtype},
                     {"layout", r.layout},
                     {"status", to_string(r.status)},
                     {"message", r.message},
                     {"expected_failure", r.expected_failure},
                     {"seconds", r.seconds},
                     {"description", r.description},
                     {"tags", r.tags},
                     {"shape", r.shape},
                     {"outputs", outputs}});
    if (is_problem(r.status)) cases.back()["rerun"] = rerun_command(info, r.id);
  }
  json["cases"] = cases;
  // Any text may come from outside (a backend's message, a results file's strings, a path): an
  // invalid UTF-8 sequence is written as U+FFFD instead of ending the run with an exception.
  return json.dump(1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace bnconf::conformance
