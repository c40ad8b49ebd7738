// The plots of the HTML report (html_report.cpp), written as inline SVG: nothing to run and
// nothing fetched, so that the page shows them in any browser, offline, without scripts. Text in
// them (labels, tooltips) is escaped here.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bnconf/conformance/result.hpp"

namespace bnconf::conformance {

struct Bar {
  std::string label;  // under the bar
  std::size_t count = 0;
  std::string colour;   // a CSS colour
  std::string tooltip;  // shown on hover
};

// Vertical bars of counts on a logarithmic axis (counts from one to millions stay visible side
// by side; a count of 0 draws no bar), each bar's count written above it. The bars from index
// `shade_from` on stand on a light red ground headed `shade_label` (no ground: npos).
std::string svg_count_bars(const std::vector<Bar>& bars, const std::string& x_title,
                           const std::string& y_title, std::size_t shade_from = std::string::npos,
                           const std::string& shade_label = "");

// The worst elements of an output: error against bound on log-log axes spanning the same decades,
// so that the diagonal error = bound separates the elements within their bounds (below, green)
// from those out of them (above, red). An error of 0 sits on the bottom edge and a bound of 0 on
// the left one (a log axis has no 0); a non-finite error sits in a band above the plot. Elements
// with a non-finite bound (any value, or any non-finite value, passes) are not drawn.
std::string svg_error_against_bound(const std::vector<ElementError>& elements);

}  // namespace bnconf::conformance
