// What the sections of the HTML report share (html_report.cpp writes the page, html_case.cpp a
// case that did not pass): the colours of statuses and of the bins of error / bound, and small
// pieces of markup. All text that comes from outside goes through xml_escape (text.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "bnconf/conformance/ratio_bins.hpp"
#include "bnconf/conformance/report.hpp"

namespace bnconf::conformance {

// A status's colours: text (and bars) and a light background for its label.
struct StatusColours {
  CaseStatus status;
  std::string_view colour;
  std::string_view background;
};
const StatusColours& colours_of(CaseStatus status);

// A share as a CSS length: "12.500%" (0% of nothing).
std::string css_percent(std::size_t part, std::size_t whole);

// <span class="pill s-fail">fail</span>
std::string status_pill(CaseStatus status);

// A horizontal bar split in proportion to the counts of an output's (or a run's) bins, each part
// in its bin's colour with its label and count as tooltip; empty when nothing was counted.
std::string ratio_strip(const RatioHistogram& histogram, std::size_t non_finite);

// The bin of an output's worst element: a special-value mismatch if it has one (the judge puts
// them first), else the highest bin holding an element; kNoBin when no element was counted.
inline constexpr std::size_t kNonFiniteBin = kRatioBinCount;
inline constexpr std::size_t kNoBin = kRatioBinCount + 1;
std::size_t worst_bin(const RatioHistogram& histogram, std::size_t non_finite);
// "(0.5, 1]", "special-value mismatch" for kNonFiniteBin.
std::string bin_label(std::size_t bin);
std::string_view bin_colour(std::size_t bin);

// The article of one case that did not pass: what it is, why it did not pass, how to rerun it,
// and per failed output a plot and table of its worst elements. `anchor`: its element id.
std::string case_article(const RunInfo& info, const CaseResult& r, const std::string& anchor);

}  // namespace bnconf::conformance
