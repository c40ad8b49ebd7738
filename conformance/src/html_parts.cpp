#include "html_parts.hpp"

#include <array>
#include <cstdio>

#include "text.hpp"

namespace bnconf::conformance {
namespace {

using S = CaseStatus;

// Green passes, red failures, purple crashes, orange timeouts, magenta backend errors, blue
// bnconf's own errors, brown limits, grey the declined, amber the mistrusted.
constexpr StatusColours kStatusColours[] = {
    {S::pass, "#1a7f37", "#dafbe1"},           {S::fail, "#cf222e", "#ffebe9"},
    {S::unsupported, "#6e7781", "#eaeef2"},    {S::crash, "#8250df", "#fbefff"},
    {S::timeout, "#bc4c00", "#fff1e5"},        {S::backend_error, "#bf3989", "#ffeff7"},
    {S::internal_error, "#0969da", "#ddf4ff"}, {S::resource_limit, "#953800", "#fff8c5"},
    {S::mistrusted, "#9a6700", "#fff8c5"},
};

constexpr bool one_row_per_status_in_order() {
  for (std::size_t i = 0; i < std::size(kStatusColours); ++i) {
    if (static_cast<std::size_t>(kStatusColours[i].status) != i) return false;
  }
  return std::size(kStatusColours) == static_cast<std::size_t>(S::mistrusted) + 1;
}
static_assert(one_row_per_status_in_order());

// One colour per bin of kRatioBinUppers: 0, the decades to 0.1, (0.1, 0.5], (0.5, 1], (1, 2],
// (2, 10], above 10.
constexpr std::array<std::string_view, kRatioBinCount> kBinColours = {
    "#0f5323", "#116329", "#1a7f37", "#2da44e", "#4ac26b", "#7fcf6f",
    "#b8d65a", "#e3b341", "#f0883e", "#fa4549", "#cf222e", "#82071e"};

constexpr std::string_view kNonFiniteColour = "#6639ba";

}  // namespace

const StatusColours& colours_of(CaseStatus status) {
  return kStatusColours[static_cast<std::size_t>(status)];
}

std::string css_percent(std::size_t part, std::size_t whole) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f%%",
                whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return buffer;
}

std::string status_pill(CaseStatus status) {
  const std::string name = to_string(status);
  return "<span class=\"pill s-" + name + "\">" + name + "</span>";
}

std::size_t worst_bin(const RatioHistogram& histogram, std::size_t non_finite) {
  if (non_finite > 0) return kNonFiniteBin;
  for (std::size_t bin = kRatioBinCount; bin-- > 0;) {
    if (histogram[bin] > 0) return bin;
  }
  return kNoBin;
}

std::string bin_label(std::size_t bin) {
  return bin == kNonFiniteBin ? "special-value mismatch" : ratio_bin_label(bin);
}

std::string_view bin_colour(std::size_t bin) {
  return bin < kRatioBinCount ? kBinColours[bin] : kNonFiniteColour;
}

std::string ratio_strip(const RatioHistogram& histogram, std::size_t non_finite) {
  std::size_t total = non_finite;
  for (std::size_t n : histogram) total += n;
  if (total == 0) return "";
  std::string strip = "<div class=\"strip\">";
  for (std::size_t bin = 0; bin <= kNonFiniteBin; ++bin) {
    const std::size_t n = bin == kNonFiniteBin ? non_finite : histogram[bin];
    if (n == 0) continue;
    strip += "<span style=\"flex-basis:" + css_percent(n, total) +
             ";background:" + std::string(bin_colour(bin)) + "\" title=\"" +
             xml_escape(bin_label(bin) + ": " + std::to_string(n) + " of " + std::to_string(total) +
                        " elements") +
             "\"></span>";
  }
  return strip + "</div>";
}

}  // namespace bnconf::conformance
