// The HTML report: one self-contained page (inline CSS, plots as inline SVG, a few lines of
// inline script that only sort tables; nothing fetched) for a person to look at. The header says
// what ran and how it ended; the summaries count statuses by tier, operation and dtype; the
// distribution shows how close to its bounds the backend runs over every checked element; each
// case that did not pass gets an article (html_case.cpp), the first kDetailedCases of them with
// plots; unsupported cases are counted by reason. The markup is well-formed XML as well as HTML,
// so that tests can parse it strictly.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "bnconf/version.h"
#include "html_parts.hpp"
#include "report_writers.hpp"
#include "svg_plot.hpp"
#include "text.hpp"

namespace bnconf::conformance {
namespace {

// Cases that did not pass with an article and plots; beyond them, a row in the index only, up to
// kListedCases: a run that fails thousands of cases stays a page a browser opens at once.
constexpr std::size_t kDetailedCases = 200;
constexpr std::size_t kListedCases = 2000;
// Mistrusted ids listed, unsupported reasons listed.
constexpr std::size_t kListedMistrusted = 300;
constexpr std::size_t kListedReasons = 40;

constexpr const char* kStyle = R"(
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;background:#eef1f4;color:var(--fg);font:14px/1.5 "DejaVu Sans","Liberation Sans",Arial,sans-serif}
main{max-width:1200px;margin:0 auto;padding:0 24px 40px}
.mono{overflow-wrap:anywhere}
.mono,code{font-family:"DejaVu Sans Mono","Liberation Mono",monospace;font-size:12.5px}
h2{font-size:19px;margin:30px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h2 .count{color:var(--muted);font-weight:normal}
h3{font-size:15px;margin:0;display:inline;word-break:break-all}
h4{font-size:14px;margin:14px 0 6px}
.muted{color:var(--muted)}
.banner{background:#fff;border:1px solid var(--line);border-top:8px solid var(--verdict);border-radius:8px;padding:16px 22px 14px;margin:20px 0 0}
.v-pass{--verdict:#1a7f37}.v-fail{--verdict:#cf222e}.v-other{--verdict:#bc4c00}.v-open{--verdict:#57606a}
.banner .kicker{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.08em;font-weight:600}
.banner h1{font-size:26px;margin:0 0 10px;font-weight:700;word-break:break-all}
.banner h1 .version{font-weight:400;color:var(--muted);font-size:20px}
.verdict{display:flex;gap:12px;align-items:center;background:var(--verdict);color:#fff;border-radius:6px;padding:8px 14px;margin:0 0 12px;font-size:15px}
.verdict b{font-size:17px;white-space:nowrap;padding-right:12px;border-right:1px solid rgba(255,255,255,.5)}
.counts{display:flex;flex-wrap:wrap;gap:6px}
.counts .pill{font-size:13px;padding:1px 11px;line-height:22px}
.counts .zero{color:#8c959f;background:#f6f8fa;border-color:#d1d9e0;font-weight:400}
.countline{margin-top:8px;font-size:12px;color:var(--muted)}
.banner dl{display:grid;grid-template-columns:max-content 1fr;gap:1px 14px;margin:12px 0 0;padding-top:10px;border-top:1px solid #e6eaef;font-size:13px}
.banner dt{color:var(--muted)}.banner dd{margin:0;word-break:break-all}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 18px;margin:12px 0}
.alert{border-left:5px solid #cf222e}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:12px}
.grid .card{margin:0}
.card h3{display:block;margin-bottom:6px}
table{border-collapse:collapse;font-size:13px;width:100%}
th,td{padding:3px 8px;border-bottom:1px solid #e6eaef;text-align:left;vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px;border-bottom:1px solid var(--line);white-space:nowrap}
tbody tr:nth-child(even){background:#fafbfc}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.zero,tr.empty td{color:#aeb6bf}
table.sortable th{cursor:pointer}
table.sortable th:hover{color:var(--fg)}
.pill{display:inline-block;padding:0 9px;border-radius:999px;font-weight:600;font-size:12px;border:1px solid currentColor;white-space:nowrap;line-height:20px}
.pill.explained{color:#0969da;background:#ddf4ff}
.bar{display:flex;height:12px;border-radius:3px;overflow:hidden;background:#eaeef2;margin-top:4px}
td.barcell{width:32%;min-width:100px}
.bar span,.strip span{display:block;flex:0 1 auto;min-width:2px}
.strip{display:flex;height:14px;border-radius:3px;overflow:hidden;background:#eaeef2;flex:1}
.strip-row{display:flex;gap:10px;align-items:center;margin:6px 0 10px;font-size:12px}
.strip-row .muted{white-space:nowrap}
.distribution{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}
.distribution table{width:auto;flex:1;min-width:340px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
article.case{background:#fff;border:1px solid var(--line);border-left:5px solid var(--accent,#cf222e);border-radius:8px;padding:14px 18px;margin:14px 0}
article.case header{display:flex;gap:8px;align-items:baseline;flex-wrap:wrap}
.description{margin:8px 0 4px}
.facts{display:flex;flex-wrap:wrap;gap:2px 18px;margin:6px 0;font-size:13px}
.facts dt{color:var(--muted)}.facts dt::after{content:":"}
.facts dd{margin:0 0 0 -14px}
.tag{display:inline-block;background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:0 5px;margin-right:4px;font-size:11.5px}
.message{margin:6px 0;font-weight:600}
.explanation{margin:6px 0;padding:6px 10px;background:#ddf4ff;border-radius:6px}
.note{margin:4px 0;font-size:13px}
.rerun{display:flex;margin:8px 0;border-radius:6px;overflow:hidden;border:1px solid #24292f}
.rerun span{background:#24292f;color:#fff;padding:5px 10px;font-size:12px;font-weight:600}
.rerun code{background:#f6f8fa;padding:5px 10px;user-select:all;word-break:break-all;flex:1}
.output{border-top:1px solid #e6eaef;margin-top:10px}
.reason{font-weight:normal;color:var(--muted);margin-left:6px}
.output-body{display:flex;gap:18px;align-items:flex-start;flex-wrap:wrap}
.output-body table{width:auto;flex:1;min-width:480px}
figure{margin:0}
figcaption{font-size:12px;color:var(--muted);max-width:400px}
tr.out td{color:#cf222e}
tr.out td.ratio{font-weight:700}
.ids{display:flex;flex-wrap:wrap;gap:4px 10px}
footer{color:var(--muted);font-size:12px;margin-top:30px;border-top:1px solid var(--line);padding-top:8px}
)";

// Sorts a table of class "sortable" by the column whose heading is clicked (numbers by the cells'
// data-sort values). Only an aid: the page reads the same without it. In CDATA, so that the page
// stays well-formed XML.
constexpr const char* kScript = R"(//<![CDATA[
document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.title = "sort";
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0], col = th.cellIndex;
    var up = th.getAttribute("data-order") !== "up";
    th.setAttribute("data-order", up ? "up" : "down");
    var key = function (row) {
      var cell = row.cells[col], v = cell.getAttribute("data-sort");
      return v === null ? cell.textContent : parseFloat(v);
    };
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      var order = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
      return up ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
//]]>)";

// The CSS classes of the statuses, from their colours.
std::string status_classes() {
  std::string css;
  for (const auto& row : status_table()) {
    const StatusColours& c = colours_of(row.status);
    css += ".s-" + std::string(row.name) + "{color:" + std::string(c.colour) +
           ";background:" + std::string(c.background) + "}";
  }
  return css;
}

std::string percent(std::size_t part, std::size_t whole) {
  if (whole == 0 || part == 0) return "";
  const double p = 100.0 * static_cast<double>(part) / static_cast<double>(whole);
  // Neither a rare count nor a near-total one rounds to what it is not (0 %, 100 %). A no-break
  // space (U+00A0) keeps the number and its sign on one line.
  char buffer[32];
  if (part == whole) return "100\u00A0%";
  if (p >= 99.95) return "&gt;99.9\u00A0%";
  std::snprintf(buffer, sizeof buffer, p < 0.1 ? "%.2g\u00A0%%" : "%.1f\u00A0%%", p);
  return buffer;
}

std::string meaning_of(CaseStatus status) {
  return std::string(status_table()[static_cast<std::size_t>(status)].meaning);
}

// A meaning of the status table as a sentence: capital first letter, full stop.
std::string sentence(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return text + ".";
}

// A count with its digits grouped in threes by thin spaces (U+2009): 1 207 642.
std::string grouped(std::size_t n) {
  std::string digits = std::to_string(n), text;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text += "\u2009";
    text += digits[i];
  }
  return text;
}

// A case that did not pass: a problem status (not unsupported, mistrusted or pass).
bool listed_as_failing(const CaseResult& r) { return is_problem(r.status); }

// The statuses a run has at all: the columns of its tables.
std::vector<CaseStatus> statuses_seen(const Report& report) {
  std::vector<CaseStatus> seen;
  const auto counts = report.counts();
  for (const auto& row : status_table()) {
    const bool always = row.status == CaseStatus::pass || row.status == CaseStatus::fail;
    if (always || counts.at(row.status) > 0) seen.push_back(row.status);
  }
  return seen;
}

// The banner's colour: green for exit status 0, red for 1, orange for the others (2, 3, 4), grey
// while none is recorded.
std::string verdict_class(int exit_status) {
  if (exit_status < 0) return "v-open";
  return exit_status == 0 ? "v-pass" : exit_status == 1 ? "v-fail" : "v-other";
}

// The verdict: the exit status and its meaning once recorded, else how far the run got.
std::string verdict_text(const Report& report) {
  const RunInfo& info = report.info();
  if (info.exit_status >= 0) {
    return "<b>exit status " + std::to_string(info.exit_status) + "</b><span>" +
           xml_escape(info.exit_meaning) + "</span>";
  }
  if (!report.complete()) {
    return "<b>incomplete</b><span>" + std::to_string(report.results().size()) + " of " +
           std::to_string(info.selected) +
           " selected cases reported: the run is going on, or was stopped</span>";
  }
  return "<b>complete</b><span>no exit status recorded</span>";
}

std::string header(const Report& report) {
  const RunInfo& info = report.info();
  std::ostringstream html;
  html << "<header class=\"banner " << verdict_class(info.exit_status)
       << "\"><div class=\"kicker\">bnconf conformance report</div><h1>"
       << xml_escape(info.backend_name) << " <span class=\"version\">"
       << xml_escape(info.backend_version) << "</span></h1><div class=\"verdict\">"
       << verdict_text(report) << "</div><div class=\"counts\"><span class=\"pill\">tests "
       << report.results().size() << "</span>";
  for (const auto& [status, n] : report.counts()) {
    html << "<span class=\"pill " << (n == 0 ? "zero" : "s-" + to_string(status)) << "\">"
         << to_string(status) << " " << n << "</span>";
  }
  if (!info.expectations.empty()) {
    html << "<span class=\"pill explained\">expected failures " << report.expected_failure_count()
         << "</span><span class=\"pill s-fail\">unexplained " << report.unexplained_count()
         << "</span>";
  }
  html << "</div><div class=\"countline mono\">" << xml_escape(report.count_line()) << "</div><dl>"
       << "<dt>backend</dt><dd>" << xml_escape(info.backend_name) << " "
       << xml_escape(info.backend_version) << " (" << xml_escape(info.backend_origin) << ")</dd>";
  for (const auto& f : info.fixtures) html << "<dt>fixtures</dt><dd>" << xml_escape(f) << "</dd>";
  html << "<dt>selected</dt><dd>" << info.selected << " cases, judged by " << xml_escape(info.rule)
       << "</dd>";
  if (!info.expectations.empty()) {
    html << "<dt>expectations</dt><dd>" << xml_escape(info.expectations) << "</dd>";
  }
  html << "<dt>written</dt><dd>" << timestamp_now() << " UTC by bnconf " << BNCONF_VERSION
       << (report.complete() ? "" : " (the run had not finished)") << "</dd></dl></header>";
  return html.str();
}

// Problems of the run as a whole: fixtures that did not load, stale expectations.
std::string run_problems(const RunInfo& info) {
  if (info.load_errors.empty() && info.stale_expectations.empty()) return "";
  std::ostringstream html;
  html << "<div class=\"card alert\"><h3>Problems of the run</h3><ul>";
  for (const auto& e : info.load_errors) html << "<li>load error: " << xml_escape(e) << "</li>";
  for (const auto& s : info.stale_expectations) {
    html << "<li>stale expectation: " << xml_escape(s) << "</li>";
  }
  html << "</ul></div>";
  return html.str();
}

// A table of status counts by one property of the cases (tier, operation, dtype).
std::string count_table(const Report& report, const std::string& title,
                        std::string CaseResult::*property) {
  std::map<std::string, std::map<CaseStatus, std::size_t>> rows;
  for (const auto& r : report.results()) ++rows[r.*property][r.status];
  const auto columns = statuses_seen(report);
  std::ostringstream html;
  html << "<div class=\"card\"><h3>By " << title << "</h3><table class=\"sortable\"><thead><tr><th>"
       << title << "</th><th></th><th class=\"n\">cases</th>";
  for (CaseStatus s : columns) html << "<th class=\"n\">" << to_string(s) << "</th>";
  html << "</tr></thead><tbody>";
  for (const auto& [name, counts] : rows) {
    std::size_t total = 0;
    for (const auto& [s, n] : counts) total += n;
    html << "<tr><td>" << xml_escape(name) << "</td><td class=\"barcell\"><div class=\"bar\">";
    for (const auto& [s, n] : counts) {
      html << "<span style=\"flex-basis:" << css_percent(n, total)
           << ";background:" << colours_of(s).colour << "\" title=\"" << to_string(s) << ": " << n
           << "\"></span>";
    }
    html << "</div></td><td class=\"n\">" << total << "</td>";
    for (CaseStatus s : columns) {
      const auto found = counts.find(s);
      const std::size_t n = found == counts.end() ? 0 : found->second;
      if (n == 0) {
        html << "<td class=\"n zero\" data-sort=\"0\">0</td>";
      } else {
        html << "<td class=\"n\" data-sort=\"" << n << "\" style=\"color:" << colours_of(s).colour
             << ";font-weight:600\">" << n << "</td>";
      }
    }
    html << "</tr>";
  }
  html << "</tbody></table></div>";
  return html.str();
}

std::string summaries(const Report& report) {
  return "<h2>Summary</h2><div class=\"grid\">" + count_table(report, "tier", &CaseResult::tier) +
         count_table(report, "dtype", &CaseResult::dtype) + "</div>" +
         count_table(report, "operation", &CaseResult::operation);
}

// Every checked element of every output of the run by error / bound, and every output by its
// worst element.
std::string distribution(const Report& report) {
  RatioHistogram elements{};
  std::size_t non_finite = 0, outputs = 0, cases = 0;
  std::vector<std::size_t> by_worst(kNonFiniteBin + 1, 0);
  for (const auto& r : report.results()) {
    bool counted = false;
    for (const auto& o : r.outputs) {
      for (std::size_t b = 0; b < kRatioBinCount; ++b) elements[b] += o.ratio_histogram[b];
      non_finite += o.non_finite_mismatches;
      const std::size_t worst = worst_bin(o.ratio_histogram, o.non_finite_mismatches);
      if (worst == kNoBin) continue;
      ++by_worst[worst];
      ++outputs;
      counted = true;
    }
    cases += counted;
  }
  std::size_t total = non_finite, within = 0;
  for (std::size_t b = 0; b < kRatioBinCount; ++b) {
    total += elements[b];
    if (!ratio_bin_out_of_bound(b)) within += elements[b];
  }
  std::ostringstream html;
  html << "<h2>How close to its bounds " << xml_escape(report.info().backend_name)
       << " runs</h2><div class=\"card\">";
  if (total == 0) {
    html << "<p class=\"muted\">No element was checked.</p></div>";
    return html.str();
  }
  html << "<p>Every checked element of every output, by its error over its bound (log-spaced bins; "
          "1 is the bound): <b>"
       << grouped(total) << "</b> elements in " << grouped(outputs) << " outputs of "
       << grouped(cases) << " cases; <b>" << percent(within, total) << "</b> within their bounds, "
       << grouped(total - within - non_finite) << " beyond them, " << grouped(non_finite)
       << " special-value mismatches.</p>";
  std::vector<Bar> bars;
  for (std::size_t b = 0; b <= kNonFiniteBin; ++b) {
    const std::size_t n = b == kNonFiniteBin ? non_finite : elements[b];
    bars.push_back({b == kNonFiniteBin ? "mismatch" : ratio_bin_label(b), n,
                    std::string(bin_colour(b)),
                    bin_label(b) + ": " + std::to_string(n) + " elements"});
  }
  std::size_t first_beyond = 0;
  while (first_beyond < kRatioBinCount && !ratio_bin_out_of_bound(first_beyond)) ++first_beyond;
  html << "<div class=\"distribution\">"
       << svg_count_bars(bars, "error / bound", "elements", first_beyond, "out of bound")
       << "<table><thead><tr><th>error / bound</th><th class=\"n\">elements</th><th class=\"n\">"
          "share</th><th class=\"n\">outputs by worst</th></tr></thead><tbody>";
  for (std::size_t b = 0; b <= kNonFiniteBin; ++b) {
    const std::size_t n = b == kNonFiniteBin ? non_finite : elements[b];
    html << "<tr" << (n == 0 ? " class=\"empty\"" : "")
         << "><td><span class=\"swatch\" style=\"background:" << bin_colour(b) << "\"></span>"
         << xml_escape(bin_label(b)) << "</td><td class=\"n\">" << grouped(n)
         << "</td><td class=\"n\">" << percent(n, total) << "</td><td class=\"n\">"
         << grouped(by_worst[b]) << "</td></tr>";
  }
  html << "</tbody></table></div><p class=\"muted\">Outputs by worst: how many outputs have their "
          "worst element in the bin (an output fails when it is beyond 1 or a mismatch). Elements "
          "any value passes are not counted.</p></div>";
  return html.str();
}

// The largest error / bound among a case's outputs, for sorting ("Infinity" for a mismatch).
std::string worst_ratio_cell(const CaseResult& r) {
  std::size_t worst = kNoBin;
  double ratio = -1;
  for (const auto& o : r.outputs) {
    const std::size_t b = worst_bin(o.ratio_histogram, o.non_finite_mismatches);
    if (b == kNonFiniteBin) worst = b;
    if (const auto r = bound_ratio(o.error, o.bound)) ratio = std::max(ratio, *r);
  }
  if (worst == kNonFiniteBin) {
    return "<td class=\"n\" data-sort=\"Infinity\" style=\"color:" +
           std::string(bin_colour(kNonFiniteBin)) + "\">mismatch</td>";
  }
  if (ratio < 0) return "<td class=\"n\" data-sort=\"-1\"></td>";
  return "<td class=\"n\" data-sort=\"" + value_text(ratio, false) + "\">" + short_number(ratio) +
         "</td>";
}

std::string failing_cases(const Report& report) {
  std::vector<const CaseResult*> failing;
  // Unexplained first: those decide the exit status.
  for (const auto& r : report.results()) {
    if (listed_as_failing(r) && r.expected_failure.empty()) failing.push_back(&r);
  }
  for (const auto& r : report.results()) {
    if (listed_as_failing(r) && !r.expected_failure.empty()) failing.push_back(&r);
  }
  std::ostringstream html;
  html << "<h2>Cases that did not pass <span class=\"count\">(" << failing.size()
       << ")</span></h2>";
  if (failing.empty()) {
    html << "<div class=\"card\"><p>Every case that ran passed.</p></div>";
    return html.str();
  }
  html << "<div class=\"card\"><table class=\"sortable\"><thead><tr><th>status</th><th>case</th>"
          "<th>operation</th><th>dtype</th><th class=\"n\">worst error / bound</th>"
          "<th>message</th></tr></thead><tbody>";
  for (std::size_t i = 0; i < failing.size() && i < kListedCases; ++i) {
    const CaseResult& r = *failing[i];
    const std::string id = xml_escape(r.id);
    html << "<tr><td>" << status_pill(r.status)
         << (r.expected_failure.empty() ? "" : " <span class=\"pill explained\">expected</span>")
         << "</td><td class=\"mono\">"
         << (i < kDetailedCases ? "<a href=\"#case-" + std::to_string(i) + "\">" + id + "</a>" : id)
         << "</td><td>" << xml_escape(r.operation) << "</td><td>" << xml_escape(r.dtype) << "</td>"
         << worst_ratio_cell(r) << "<td>" << xml_escape(r.message) << "</td></tr>";
  }
  html << "</tbody></table>";
  if (failing.size() > kListedCases) {
    html << "<p class=\"muted\">" << failing.size() - kListedCases
         << " more cases that did not pass are not listed here; the JSON report has every one.</p>";
  }
  html << "</div>";
  for (std::size_t i = 0; i < failing.size() && i < kDetailedCases; ++i) {
    html << case_article(report.info(), *failing[i], "case-" + std::to_string(i));
  }
  if (failing.size() > kDetailedCases) {
    html << "<p class=\"card muted\">The first " << kDetailedCases << " cases are shown in detail; "
         << failing.size() - kDetailedCases << " more were left out (their rows above, and the "
         << "JSON report, have them).</p>";
  }
  return html.str();
}

std::string mistrusted_cases(const Report& report) {
  std::vector<const CaseResult*> mistrusted;
  for (const auto& r : report.results()) {
    if (r.status == CaseStatus::mistrusted) mistrusted.push_back(&r);
  }
  if (mistrusted.empty()) return "";
  std::ostringstream html;
  html << "<h2>Mistrusted <span class=\"count\">(" << mistrusted.size() << ")</span></h2>"
       << "<div class=\"card\"><p>" << xml_escape(sentence(meaning_of(CaseStatus::mistrusted)))
       << "</p><div class=\"ids mono\">";
  for (std::size_t i = 0; i < mistrusted.size() && i < kListedMistrusted; ++i) {
    html << "<span>" << xml_escape(mistrusted[i]->id) << "</span>";
  }
  html << "</div>";
  if (mistrusted.size() > kListedMistrusted) {
    html << "<p class=\"muted\">and " << mistrusted.size() - kListedMistrusted << " more.</p>";
  }
  html << "</div>";
  return html.str();
}

// Unsupported cases counted by the reason the backend (or the runner) gave.
std::string unsupported_cases(const Report& report) {
  std::map<std::string, std::pair<std::size_t, std::string>> by_reason;  // -> count, an example
  std::size_t total = 0;
  for (const auto& r : report.results()) {
    if (r.status != CaseStatus::unsupported) continue;
    auto& [n, example] = by_reason[r.message];
    if (n++ == 0) example = r.id;
    ++total;
  }
  if (total == 0) return "";
  std::vector<std::pair<std::string, std::pair<std::size_t, std::string>>> rows(by_reason.begin(),
                                                                                by_reason.end());
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  std::ostringstream html;
  html << "<h2>Unsupported <span class=\"count\">(" << total << ")</span></h2><div class=\"card\">"
       << "<p class=\"muted\">Declined by the backend, or needing what it does not declare: not "
          "failures. By reason:</p><table class=\"sortable\"><thead><tr><th class=\"n\">cases</th>"
          "<th>reason</th><th>for example</th></tr></thead><tbody>";
  for (std::size_t i = 0; i < rows.size() && i < kListedReasons; ++i) {
    html << "<tr><td class=\"n\" data-sort=\"" << rows[i].second.first << "\">"
         << rows[i].second.first << "</td><td>" << xml_escape(rows[i].first)
         << "</td><td class=\"mono\">" << xml_escape(rows[i].second.second) << "</td></tr>";
  }
  html << "</tbody></table>";
  if (rows.size() > kListedReasons) {
    html << "<p class=\"muted\">and " << rows.size() - kListedReasons << " more reasons.</p>";
  }
  html << "</div>";
  return html.str();
}

}  // namespace

std::string html_report(const Report& report) {
  const RunInfo& info = report.info();
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
       << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/><title>bnconf: "
       << xml_escape(info.backend_name) << " \xE2\x80\x94 " << xml_escape(report.count_line())
       << "</title><style>" << kStyle << status_classes() << "</style></head><body><main>"
       << header(report) << run_problems(info) << summaries(report) << distribution(report)
       << failing_cases(report) << mistrusted_cases(report) << unsupported_cases(report)
       << "<footer>Written by bnconf " << BNCONF_VERSION
       << ". A self-contained page: nothing is fetched; the plots are SVG; a few lines of script "
          "only sort tables (click a heading). The JSON report (--json) carries the same figures."
       << "</footer></main><script>" << kScript << "</script></body></html>\n";
  return html.str();
}

}  // namespace bnconf::conformance
