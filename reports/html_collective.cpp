#include "reports/html_collective.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "harness/model/units.h"
#include "reports/metric_units.h"
#include "reports/record_fields.h"
#include "reports/svg_charts.h"

namespace fabcheck::reports {
namespace {

using nlohmann::json;
using svg::escape;

// A number as short escaped text, "—" when there is none.
std::string figure(const std::optional<double>& v) { return v ? escape(svg::formatNumber(*v)) : "—"; }

// A byte count in binary units ("64 KiB"); "?" when the record has no whole number there.
std::string bytes(const json& j, const char* key) {
  const json& v = field(j, key);
  if (v.is_number_unsigned()) return model::formatBytes(v.get<uint64_t>());
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return model::formatBytes(static_cast<uint64_t>(v.get<int64_t>()));
  return "?";
}

// "rank 2 (node03)", the host from ranks_of when it names the rank.
std::string rankName(const json& col, const json& rank) {
  std::string out = "rank " + (rank.is_number() ? svg::formatNumber(rank.get<double>()) : std::string("?"));
  const json& of = field(col, "ranks_of");
  if (!of.is_array() || !rank.is_number()) return out;
  for (const auto& r : of) {
    if (field(r, "rank") == rank && field(r, "host").is_string()) return out + " (" + field(r, "host").get<std::string>() + ")";
  }
  return out;
}

bool measured(const json& size) { return numberField(size, "iterations").value_or(0) > 0; }

// The index in `sizes` of the largest size that measured something: the one metrics.collective
// and collective.straggler describe (results/collective_summary.h). -1 when none did.
int largestMeasured(const json& sizes) {
  if (!sizes.is_array()) return -1;
  for (size_t i = sizes.size(); i-- > 0;) {
    if (measured(sizes[i])) return static_cast<int>(i);
  }
  return -1;
}

std::string setupLine(const json& col) {
  std::string o = escape(field(col, "kind").is_string() ? field(col, "kind").get<std::string>() : "collective");
  if (const json& a = field(col, "algorithm"); a.is_string()) {
    o += " · " + escape(a.get<std::string>()) + " ran";
    if (const json& r = field(col, "algorithm_requested"); r.is_string() && r != a) o += " (requested " + escape(r.get<std::string>()) + ")";
  }
  if (auto n = numberField(col, "ranks")) o += " · " + figure(n) + " ranks";
  if (auto n = numberField(col, "channels")) o += " · " + figure(n) + (*n == 1 ? " channel" : " channels");
  if (auto c = numberField(col, "chunk_bytes")) o += *c > 0 ? " · chunk " + escape(bytes(col, "chunk_bytes")) : " · no chunking";
  if (auto n = numberField(col, "iterations")) {
    o += " · " + figure(n) + " iterations";
    if (auto w = numberField(col, "warmup_iterations"); w && *w > 0) o += " after " + figure(w) + " warm-up";
  }
  if (const json& r = field(col, "link_rate_gbps"); r.is_number()) {
    o += " · links paced at " + figure(r.get<double>()) + " Gbit/s";
  } else if (r.is_null() && col.is_object() && col.contains("link_rate_gbps")) {
    o += " · links unpaced";
  }
  const json& rate = field(col, "line_rate");
  if (auto g = numberField(rate, "gbps")) o += " · line rate " + figure(g) + " Gbit/s (" + escape(textField(rate, "source")) + ")";
  if (std::string why = textField(rate, "unknown"); !why.empty()) o += " · no JCT ratio: " + escape(why);
  return "<p class=\"small muted\">" + o + "</p>\n";
}

// A column head with the metric's unit from the registry: "busbw (GB/s)"; "cv" when it has none.
std::string head(const char* label, const std::string& metric) {
  std::string unit = metricUnit(metric);
  if (unit == "us") unit = "µs";
  return std::string("<th>") + label + (unit.empty() ? "" : " (" + escape(unit) + ")") + "</th>";
}

// One size's straggler, for its table cell: "rank 2 (node03): link 2 → 3 at 0.08 Gbit/s, median 8 Gbit/s".
std::string stragglerCell(const json& col, const json& s) {
  if (!field(s, "straggler").is_boolean() || !field(s, "straggler").get<bool>()) return "—";
  std::string o = escape(rankName(col, field(s, "straggler_rank")));
  const auto from = numberField(s, "straggler_link_from"), to = numberField(s, "straggler_link_to");
  if (from && to) {
    o += ": link " + figure(from) + " → " + figure(to);
    if (auto g = numberField(s, "straggler_link_gbit_s")) o += " at " + figure(g) + " Gbit/s";
    if (auto m = numberField(s, "median_link_gbit_s")) o += ", median " + figure(m) + " Gbit/s";
  }
  if (auto n = numberField(s, "straggler_links"); n && *n > 1) o += " (" + figure(n) + " slow links)";
  return o;
}

std::string sizesTable(const json& col, const json& sizes) {
  std::string o = "<table class=\"collective\">\n<tr><th>size</th>" + head("time", "collective.time_us") +
                  head("algbw", "collective.algbw_gbytes_s") + head("busbw", "collective.busbw_gbytes_s") +
                  head("p50", "collective.p50_us") + head("p99", "collective.p99_us") + head("cv", "collective.cv") +
                  head("JCT ratio", "collective.jct_ratio") + "<th>retransmissions</th><th>straggler</th></tr>\n";
  std::string errors;
  for (const auto& s : sizes) {
    const bool ran = measured(s);
    const bool slow = field(s, "straggler").is_boolean() && field(s, "straggler").get<bool>();
    auto cell = [&](const char* key) { return "<td class=\"num\">" + (ran ? figure(numberField(s, key)) : "—") + "</td>"; };
    std::string title;
    if (const json& b = field(s, "size_bytes"); b.is_number()) title = " title=\"" + escape(b.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) + " bytes\"";
    o += std::string(slow ? "<tr class=\"straggler\">" : "<tr>") + "<td class=\"num\"" + title + ">" +
         escape(bytes(s, "size_bytes")) + "</td>" + cell("time_us") + cell("algbw_gbytes_s") + cell("busbw_gbytes_s") +
         cell("p50_us") + cell("p99_us") + cell("cv") + cell("jct_ratio") + "<td class=\"num\">" + figure(numberField(s, "retransmissions")) +
         "</td><td>" + (ran ? stragglerCell(col, s) : "no measurement") + "</td></tr>\n";
    if (std::string w = textField(s, "misreading"); !w.empty()) {
      errors += "<div class=\"testerror\">Misreading at " + escape(bytes(s, "size_bytes")) + ": " + escape(w) + "</div>\n";
    }
    if (const json& e = field(s, "errors"); e.is_array() && !e.empty()) {
      std::string list;
      for (const auto& x : e) list += (list.empty() ? "" : "; ") + (x.is_string() ? x.get<std::string>() : x.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      errors += "<div class=\"testerror\">Errors at " + escape(bytes(s, "size_bytes")) + ": " + escape(list) + "</div>\n";
    }
  }
  return o + "</table>\n" + errors;
}

std::string bandwidthChart(const json& sizes) {
  svg::Series busbw{"busbw", {}}, algbw{"algbw", {}};
  for (const auto& s : sizes) {
    const auto size = numberField(s, "size_bytes"), bus = numberField(s, "busbw_gbytes_s"), alg = numberField(s, "algbw_gbytes_s");
    if (!measured(s) || !size) continue;
    if (bus) busbw.points.push_back({*size, *bus});
    if (alg) algbw.points.push_back({*size, *alg});
  }
  if (busbw.points.size() < 2) return {};  // one size is the table's row, not a curve
  return svg::bandwidthChart("Bus and algorithm bandwidth by size (" + metricUnit("collective.busbw_gbytes_s") + ")",
                             {busbw, algbw});
}

// Every outgoing link's rate at `s`; the size's straggler_links slowest (the links below the
// straggler threshold: collective_metrics.h counts exactly those) are marked slow.
std::string linksChart(const json& col, const json& s) {
  const json& links = field(s, "links");
  if (!links.is_array()) return {};
  const bool channels = numberField(col, "channels").value_or(1) > 1;
  std::vector<svg::LinkBar> bars;
  std::vector<size_t> rated;  // links that moved data at a known rate, as the metrics count them
  for (const auto& l : links) {
    const auto g = numberField(l, "gbit_s"), from = numberField(l, "from"), to = numberField(l, "to");
    if (!g || !from || !to) continue;
    std::string label = svg::formatNumber(*from) + " → " + svg::formatNumber(*to);
    if (channels) label += " ch " + figure(numberField(l, "channel"));
    if (numberField(l, "bytes").value_or(0) > 0) rated.push_back(bars.size());
    bars.push_back({label, *g, false});
  }
  if (bars.empty()) return {};
  std::stable_sort(rated.begin(), rated.end(), [&](size_t a, size_t b) { return bars[a].gbit_s < bars[b].gbit_s; });
  const auto slow = static_cast<size_t>(std::max(0.0, numberField(s, "straggler_links").value_or(0)));
  for (size_t i = 0; i < rated.size() && i < slow; ++i) bars[rated[i]].slow = true;
  return svg::linksChart("Link rates at " + bytes(s, "size_bytes") + ", the largest size (Gbit/s)", bars,
                         numberField(s, "median_link_gbit_s").value_or(0));
}

}  // namespace

std::string collectiveHtml(const json& record) {
  const json& col = field(record, "collective");
  if (!col.is_object()) return {};
  std::string o = "<section class=\"collective\">\n" + setupLine(col);
  const json& sizes = field(col, "sizes");
  const int last = largestMeasured(sizes);
  const json& straggler = field(col, "straggler");
  if (straggler.is_object()) {
    const json& text = field(straggler, "text");
    const std::string what = text.is_string() ? text.get<std::string>() : rankName(col, field(straggler, "rank"));
    o += "<div class=\"straggler\">Straggler" +
         (last >= 0 ? " at " + escape(bytes(sizes[static_cast<size_t>(last)], "size_bytes")) : std::string()) + ": " +
         escape(what) + "</div>\n";
  }
  if (!sizes.is_array() || sizes.empty()) return o + "<p class=\"muted\">No size ran.</p>\n</section>\n";
  if (const json& m = field(field(record, "metrics"), "collective"); m.is_object() && last >= 0) {
    o += "<p class=\"small muted\">Key figures are at the largest size that measured (" +
         escape(bytes(sizes[static_cast<size_t>(last)], "size_bytes")) + "); avg busbw is the mean over " +
         figure(numberField(m, "sizes")) + " size" + (numberField(m, "sizes").value_or(0) == 1 ? "" : "s") +
         ", as nccl-tests' “Avg bus bandwidth”.</p>\n";
  }
  o += sizesTable(col, sizes);
  std::string charts = bandwidthChart(sizes);
  if (straggler.is_object() && last >= 0) charts += linksChart(col, sizes[static_cast<size_t>(last)]);
  if (!charts.empty()) o += "<div class=\"charts\">\n" + charts + "</div>\n";
  return o + "</section>\n";
}

}  // namespace fabcheck::reports
