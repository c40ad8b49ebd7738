#include "svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <sstream>
#include <string_view>

#include "text.hpp"

namespace bnconf::conformance {
namespace {

// Coordinates to a tenth of a pixel, "12" for 12.0: enough for the eye, short in the file.
std::string px(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  std::string text = buffer;
  if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) text.resize(text.size() - 2);
  return text == "-0" ? "0" : text;
}

// "10" with the exponent raised, as a tick label of a log axis.
std::string power_of_ten(int exponent) {
  return "10<tspan dy=\"-6\" font-size=\"9\">" + std::to_string(exponent) + "</tspan>";
}

// A log axis from 10^lo to 10^hi, and where each value falls on the page.
struct LogAxis {
  double lo = 0, hi = 1;
  double from = 0, to = 1;  // pixels of 10^lo and 10^hi
  double at(double log10_value) const {
    return from + (to - from) * (log10_value - lo) / (hi - lo);
  }
  // Ticks at whole decades, one every step() decades: at most about eight labels.
  int first_tick() const { return static_cast<int>(std::ceil(lo)); }
  int last_tick() const { return static_cast<int>(std::floor(hi)); }
  int step() const { return std::max(1, (last_tick() - first_tick() + 7) / 8); }
};

constexpr const char* kFont = "font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\"";

}  // namespace

std::string svg_count_bars(const std::vector<Bar>& bars, const std::string& x_title,
                           const std::string& y_title, std::size_t shade_from,
                           const std::string& shade_label) {
  constexpr double kWidth = 620, kHeight = 330;
  constexpr double kLeft = 64, kRight = 12, kTop = 24, kBottom = 104;
  std::size_t most = 1;
  for (const Bar& b : bars) most = std::max(most, b.count);
  LogAxis y;
  // From half a decade below 1, so that a count of 1 is a visible bar; to a whole decade that
  // leaves room above the tallest bar for its count.
  y.lo = -0.5;
  y.hi = std::ceil(std::log10(static_cast<double>(most)) + 0.15);
  y.from = kHeight - kBottom;
  y.to = kTop;
  const double slot =
      (kWidth - kLeft - kRight) / static_cast<double>(std::max<std::size_t>(bars.size(), 1));
  std::ostringstream svg;
  svg << "<svg class=\"plot\" width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" viewBox=\"0 0 " << kWidth << " " << kHeight << "\" role=\"img\" " << kFont
      << " font-size=\"11\">"
      << "<title>" << xml_escape(y_title + " by " + x_title) << "</title>";
  if (shade_from < bars.size()) {
    const double from = kLeft + slot * static_cast<double>(shade_from);
    svg << "<rect x=\"" << px(from) << "\" y=\"" << px(y.to - 14) << "\" width=\""
        << px(kWidth - kRight - from) << "\" height=\"" << px(y.from - y.to + 14)
        << "\" fill=\"#fff5f5\"/><line x1=\"" << px(from) << "\" x2=\"" << px(from) << "\" y1=\""
        << px(y.to - 14) << "\" y2=\"" << px(y.from) << "\" stroke=\"#cf222e\" "
        << "stroke-dasharray=\"5 3\"/><text x=\"" << px(from + 5) << "\" y=\"" << px(y.to - 3)
        << "\" fill=\"#cf222e\">" << xml_escape(shade_label) << "</text>";
  }
  for (int d = y.first_tick(); d <= y.last_tick(); d += y.step()) {
    const std::string at = px(y.at(d));
    svg << "<line x1=\"" << kLeft << "\" x2=\"" << kWidth - kRight << "\" y1=\"" << at << "\" y2=\""
        << at << "\" stroke=\"#d8dee4\"/>"
        << "<text x=\"" << kLeft - 6 << "\" y=\"" << px(y.at(d) + 4)
        << "\" text-anchor=\"end\" fill=\"#57606a\">" << power_of_ten(d) << "</text>";
  }
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double centre = kLeft + slot * (static_cast<double>(i) + 0.5);
    const double width = slot * 0.7;
    if (b.count > 0) {
      const double top = y.at(std::log10(static_cast<double>(b.count)));
      svg << "<rect x=\"" << px(centre - width / 2) << "\" y=\"" << px(top) << "\" width=\""
          << px(width) << "\" height=\"" << px(y.from - top) << "\" fill=\"" << b.colour
          << "\" rx=\"2\"><title>" << xml_escape(b.tooltip) << "</title></rect>"
          << "<text x=\"" << px(centre) << "\" y=\"" << px(top - 4)
          << "\" text-anchor=\"middle\" fill=\"#24292f\">" << b.count << "</text>";
    }
    svg << "<text transform=\"translate(" << px(centre + 4) << "," << px(y.from + 14)
        << ") rotate(-35)\" text-anchor=\"end\" fill=\"#24292f\">" << xml_escape(b.label)
        << "</text>";
  }
  svg << "<line x1=\"" << kLeft << "\" x2=\"" << kWidth - kRight << "\" y1=\"" << px(y.from)
      << "\" y2=\"" << px(y.from) << "\" stroke=\"#57606a\"/>"
      << "<text x=\"" << px((kLeft + kWidth - kRight) / 2) << "\" y=\"" << kHeight - 6
      << "\" text-anchor=\"middle\" font-size=\"12\" fill=\"#24292f\">" << xml_escape(x_title)
      << "</text>"
      << "<text transform=\"translate(16," << px((y.from + y.to) / 2)
      << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\" fill=\"#24292f\">"
      << xml_escape(y_title) << "</text></svg>";
  return svg.str();
}

std::string svg_error_against_bound(const std::vector<ElementError>& elements) {
  bool non_finite = false, on_edge = false;
  double low = INFINITY, high = -INFINITY;
  for (const ElementError& e : elements) {
    if (!std::isfinite(e.bound)) continue;
    non_finite |= !std::isfinite(e.error);
    on_edge |= e.error == 0 || e.bound == 0;
    for (double v : {e.error, e.bound}) {
      if (v > 0 && std::isfinite(v)) {
        low = std::min(low, std::log10(v));
        high = std::max(high, std::log10(v));
      }
    }
  }
  constexpr double kWidth = 400, kLeft = 62, kRight = 16, kBottom = 70, kPlot = 300;
  constexpr double kBand = 22;  // the band of non-finite errors, above the plot
  const double top = non_finite ? kBand + 14 : 12;
  const double height = top + kPlot + kBottom;
  LogAxis axis;
  if (std::isfinite(low)) {
    axis.lo = std::floor(low);
    axis.hi = std::ceil(high);
  }
  while (axis.hi - axis.lo < 2) {  // at least two decades, the data in the middle
    --axis.lo;
    if (axis.hi - axis.lo < 2) ++axis.hi;
  }
  LogAxis x = axis, y = axis;
  x.from = kLeft;
  x.to = kWidth - kRight;
  y.from = top + kPlot;
  y.to = top;
  const double x0 = x.from, x1 = x.to, y0 = y.from, y1 = y.to;
  const double band_y = y1 - kBand - 6;
  std::ostringstream svg;
  svg << "<svg class=\"plot\" width=\"" << kWidth << "\" height=\"" << height << "\" viewBox=\"0 0 "
      << kWidth << " " << height << "\" role=\"img\" " << kFont << " font-size=\"11\">"
      << "<title>error against bound of the worst elements</title>";
  // Out of bound above the diagonal, within it below.
  svg << "<polygon points=\"" << px(x0) << "," << px(y0) << " " << px(x0) << "," << px(y1) << " "
      << px(x1) << "," << px(y1) << "\" fill=\"#ffebe9\"/>"
      << "<polygon points=\"" << px(x0) << "," << px(y0) << " " << px(x1) << "," << px(y0) << " "
      << px(x1) << "," << px(y1) << "\" fill=\"#dafbe1\"/>";
  if (non_finite) {
    svg << "<rect x=\"" << px(x0) << "\" y=\"" << px(band_y) << "\" width=\"" << px(x1 - x0)
        << "\" height=\"" << px(kBand) << "\" fill=\"#f3e8ff\" stroke=\"#d2a8ff\"/>"
        << "<text x=\"" << px(x0 - 6) << "\" y=\"" << px(band_y + kBand / 2 + 4)
        << "\" text-anchor=\"end\" fill=\"#6639ba\">\xE2\x88\x9E, NaN</text>";
  }
  // Light lines at 2..9 times each decade while they stay apart, darker at the decades: one path
  // each, the labels in one group per axis.
  std::string minor, major, x_labels, y_labels;
  const auto grid_at = [&](std::string& path, double v) {
    path += "M" + px(x.at(v)) + " " + px(y0) + "V" + px(y1) + "M" + px(x0) + " " + px(y.at(v)) +
            "H" + px(x1);
  };
  if (axis.hi - axis.lo <= 4) {
    for (int d = static_cast<int>(axis.lo); d < static_cast<int>(axis.hi); ++d) {
      for (int m = 2; m <= 9; ++m) grid_at(minor, d + std::log10(m));
    }
  }
  for (int d = axis.first_tick(); d <= axis.last_tick(); d += axis.step()) {
    grid_at(major, d);
    x_labels +=
        "<text x=\"" + px(x.at(d)) + "\" y=\"" + px(y0 + 18) + "\">" + power_of_ten(d) + "</text>";
    y_labels += "<text x=\"" + px(x0 - 6) + "\" y=\"" + px(y.at(d) + 4) + "\">" + power_of_ten(d) +
                "</text>";
  }
  if (!minor.empty()) {
    svg << "<path d=\"" << minor << "\" stroke=\"#ffffff\" stroke-width=\"0.7\"/>";
  }
  svg << "<path d=\"" << major << "\" stroke=\"#afb8c1\" stroke-width=\"0.8\"/>"
      << "<g fill=\"#57606a\" text-anchor=\"middle\">" << x_labels << "</g>"
      << "<g fill=\"#57606a\" text-anchor=\"end\">" << y_labels << "</g>";
  const double angle = -std::atan2(y0 - y1, x1 - x0) * 180 / std::numbers::pi;
  svg << "<rect x=\"" << px(x0) << "\" y=\"" << px(y1) << "\" width=\"" << px(x1 - x0)
      << "\" height=\"" << px(y0 - y1) << "\" fill=\"none\" stroke=\"#57606a\"/>"
      << "<line x1=\"" << px(x0) << "\" y1=\"" << px(y0) << "\" x2=\"" << px(x1) << "\" y2=\""
      << px(y1) << "\" stroke=\"#24292f\" stroke-width=\"1.4\" stroke-dasharray=\"6 4\"/>"
      << "<text transform=\"translate(" << px(x0 + (x1 - x0) * 0.8) << ","
      << px(y0 + (y1 - y0) * 0.8) << ") rotate(" << px(angle)
      << ")\" dy=\"15\" text-anchor=\"middle\" fill=\"#24292f\" stroke=\"#dafbe1\" "
         "stroke-width=\"3\" paint-order=\"stroke\">error = bound</text>";
  std::size_t not_drawn = 0;
  // Drawn in reverse, so that the worst element lies on top; each titled with its rank in the
  // table beside the plot.
  svg << "<g fill-opacity=\"0.85\" stroke-width=\"1.2\">";
  for (std::size_t rank = elements.size(); rank-- > 0;) {
    const ElementError& e = elements[rank];
    if (!std::isfinite(e.bound)) {
      ++not_drawn;
      continue;
    }
    const bool out = !(e.error <= e.bound);
    const double cx = e.bound > 0 ? x.at(std::clamp(std::log10(e.bound), axis.lo, axis.hi)) : x0;
    double cy = y0;
    if (!std::isfinite(e.error)) {
      cy = band_y + kBand / 2;
    } else if (e.error > 0) {
      cy = y.at(std::clamp(std::log10(e.error), axis.lo, axis.hi));
    }
    const bool edge = e.error == 0 || e.bound == 0;
    svg << "<circle cx=\"" << px(cx) << "\" cy=\"" << px(cy) << "\" r=\"4.5\" fill=\""
        << (edge  ? "#ffffff"
            : out ? "#cf222e"
                  : "#1a7f37")
        << "\" stroke=\"" << (out ? "#82071e" : "#116329") << "\"><title>#" << rank + 1 << " "
        << xml_escape(e.index) << ": error " << value_text(e.error, false) << ", bound "
        << value_text(e.bound, false) << "</title></circle>";
  }
  svg << "</g>";
  svg << "<text x=\"" << px((x0 + x1) / 2) << "\" y=\"" << px(y0 + 36)
      << "\" text-anchor=\"middle\" font-size=\"12\" fill=\"#24292f\">bound</text>"
      << "<text transform=\"translate(16," << px((y0 + y1) / 2)
      << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\" fill=\"#24292f\">"
      << "error |actual \xE2\x88\x92 expected|</text>";
  // The legend: only the marks the plot uses.
  struct Mark {
    bool used;
    const char* fill;
    const char* stroke;
    const char* text;
  };
  const Mark marks[] = {{true, "#cf222e", "#82071e", "out of bound"},
                        {true, "#1a7f37", "#116329", "within bound"},
                        {on_edge, "#ffffff", "#57606a", "error or bound 0 (on the axis)"}};
  double legend_x = x0;
  const double legend_y = height - 10;
  for (const Mark& m : marks) {
    if (!m.used) continue;
    svg << "<circle cx=\"" << px(legend_x + 5) << "\" cy=\"" << px(legend_y - 4)
        << "\" r=\"4.5\" fill=\"" << m.fill << "\" stroke=\"" << m.stroke
        << "\" stroke-width=\"1.2\"/><text x=\"" << px(legend_x + 14) << "\" y=\"" << px(legend_y)
        << "\" fill=\"#24292f\">" << m.text << "</text>";
    legend_x += 22 + 6.2 * std::string_view(m.text).size();
  }
  if (not_drawn > 0) {
    svg << "<text x=\"" << px(x1) << "\" y=\"" << px(height - 26)
        << "\" text-anchor=\"end\" fill=\"#57606a\">" << not_drawn
        << " without a finite bound not drawn</text>";
  }
  svg << "</svg>";
  return svg.str();
}

}  // namespace bnconf::conformance
