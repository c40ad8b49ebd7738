// html_parts.hpp: the article of one case that did not pass.
#include <cmath>
#include <optional>
#include <sstream>

#include "bnconf/reference/tensor.hpp"
#include "html_parts.hpp"
#include "report_writers.hpp"
#include "svg_plot.hpp"
#include "text.hpp"

namespace bnconf::conformance {
namespace {

// error / bound as the tables print it: "mismatch" for a special-value mismatch (its error is
// infinite), "" where the bound is 0 or not finite.
std::string ratio_text(double error, double bound) {
  if (!std::isfinite(error)) return "mismatch";
  const std::optional<double> r = bound_ratio(error, bound);
  return r ? short_number(*r) : "";
}

// The worst elements, worst first, one row each; a row out of its bound marked.
std::string worst_table(const OutputCheck& o) {
  std::ostringstream html;
  html << "<table class=\"worst\"><thead><tr><th class=\"n\">#</th><th>index</th>"
          "<th class=\"n\">expected</th><th class=\"n\">actual</th><th class=\"n\">error</th>"
          "<th class=\"n\">bound</th><th class=\"n\">error / bound</th></tr></thead><tbody>";
  // A counter's values and errors every digit (value_text); a real output's error and bound to 3.
  const auto size = [&o](double v) { return o.integer ? value_text(v, true) : short_number(v); };
  for (std::size_t i = 0; i < o.worst.size(); ++i) {
    const ElementError& w = o.worst[i];
    const bool out = !(w.error <= w.bound);
    html << "<tr" << (out ? " class=\"out\"" : "") << "><td class=\"n\">" << i + 1
         << "</td><td class=\"mono\">" << xml_escape(w.index) << "</td><td class=\"n\">"
         << value_text(w.expected, o.integer) << "</td><td class=\"n\">"
         << value_text(w.actual, o.integer) << "</td><td class=\"n\">" << size(w.error)
         << "</td><td class=\"n\">" << size(w.bound) << "</td><td class=\"n ratio\">"
         << ratio_text(w.error, w.bound) << "</td></tr>";
  }
  html << "</tbody></table>";
  return html.str();
}

// A failed output: its reason, how its elements lie against their bounds, its worst elements.
std::string failed_output(const OutputCheck& o) {
  std::ostringstream html;
  html << "<div class=\"output\"><h4><span class=\"mono\">" << xml_escape(o.name)
       << "</span> <span class=\"reason\">" << xml_escape(o.reason) << "</span></h4>";
  if (const RoundingBias& b = o.rounding_bias; b.elements > 0 && !b.passed) {
    html << "<p class=\"note\">Rounding bias over " << b.elements << " elements: mean "
         << short_number(b.mean_ulps) << " ulp, toward zero " << short_number(b.mean_toward_zero)
         << " ulp (spread " << short_number(b.spread_ulps) << "); a round-to-nearest backend stays "
         << "within &#177;" << short_number(b.bound_ulps) << " ulp.</p>";
  }
  const std::string strip = ratio_strip(o.ratio_histogram, o.non_finite_mismatches);
  if (!strip.empty()) {
    html << "<div class=\"strip-row\"><span class=\"muted\">" << o.elements
         << " elements by error / bound</span>" << strip << "</div>";
  }
  if (!o.worst.empty()) {
    html << "<div class=\"output-body\"><figure>" << svg_error_against_bound(o.worst)
         << "<figcaption>The " << o.worst.size()
         << " worst elements: error against bound. Above the line: out of bound.</figcaption>"
         << "</figure>" << worst_table(o) << "</div>";
  }
  html << "</div>";
  return html.str();
}

}  // namespace

std::string case_article(const RunInfo& info, const CaseResult& r, const std::string& anchor) {
  std::ostringstream html;
  // The accent: the status's colour, blue for a failure the --expect file explains.
  const std::string_view accent =
      r.expected_failure.empty() ? colours_of(r.status).colour : "#0969da";
  html << "<article class=\"case\" id=\"" << anchor << "\" style=\"--accent:" << accent
       << "\"><header>" << status_pill(r.status);
  if (!r.expected_failure.empty())
    html << " <span class=\"pill explained\">expected failure</span>";
  html << " <h3 class=\"mono\">" << xml_escape(r.id) << "</h3></header>";
  if (!r.description.empty())
    html << "<p class=\"description\">" << xml_escape(r.description) << "</p>";
  html << "<dl class=\"facts\"><dt>tier</dt><dd>" << xml_escape(r.tier)
       << "</dd><dt>operation</dt><dd>" << xml_escape(r.operation) << "</dd><dt>dtype</dt><dd>"
       << xml_escape(r.dtype) << "</dd><dt>layout</dt><dd>" << xml_escape(r.layout)
       << "</dd><dt>shape</dt><dd class=\"mono\">" << reference::format_shape(r.shape)
       << "</dd><dt>time</dt><dd>" << short_number(r.seconds) << " s</dd>";
  if (!r.tags.empty()) {
    html << "<dt>tags</dt><dd>";
    for (const auto& tag : r.tags) html << "<span class=\"tag\">" << xml_escape(tag) << "</span>";
    html << "</dd>";
  }
  html << "</dl>";
  if (!r.message.empty()) html << "<p class=\"message\">" << xml_escape(r.message) << "</p>";
  if (!r.expected_failure.empty()) {
    html << "<p class=\"explanation\"><b>Expected failure:</b> " << xml_escape(r.expected_failure)
         << "</p>";
  }
  html << "<div class=\"rerun\"><span>rerun</span><code>" << xml_escape(rerun_command(info, r.id))
       << "</code></div>";
  for (const OutputCheck& o : r.outputs) {
    if (!o.passed) html << failed_output(o);
  }
  html << "</article>";
  return html.str();
}

}  // namespace bnconf::conformance
