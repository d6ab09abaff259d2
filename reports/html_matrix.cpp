#include "reports/html_matrix.h"

#include <optional>
#include <vector>

#include "reports/matrix_groups.h"
#include "reports/record_fields.h"
#include "reports/svg_charts.h"
#include "reports/svg_group_heatmap.h"

namespace fabcheck::reports {
namespace {

using nlohmann::json;
using svg::escape;

// "1 outlier pair confirmed by 2 retests (outlined); 2 of 3 first-pass flags cleared by retest".
std::string outlierNote(const json& outliers, size_t confirmed) {
  std::string note = std::to_string(confirmed) + " outlier pair" + (confirmed == 1 ? "" : "s");
  const int retests = outliers.value("retests", 0);
  if (retests <= 0) return note + " (outlined)";
  note += " confirmed by " + std::to_string(retests) + " retest" + (retests == 1 ? "" : "s") + " (outlined)";
  const auto cleared = number(outliers, {"cleared"});
  if (!cleared) return note;
  const auto c = static_cast<size_t>(*cleared);
  const size_t flags = c + confirmed;
  return note + "; " + std::to_string(c) + " of " + std::to_string(flags) + " first-pass flag" + (flags == 1 ? "" : "s") +
         " cleared by retest";
}

// Confirmed outliers (results/matrix_outliers.h) of this matrix's metric: outlined, the
// first-pass flags the retests cleared counted, suspect named.
void addOutliers(const json& mx, const char* key, svg::Heatmap& h) {
  const json* o = find(mx, {"outliers"});
  if (!o || o->value("metric", "") != key) return;
  if (const json* pairs = find(*o, {"pairs"}); pairs && pairs->is_array()) {
    for (const auto& p : *pairs) {
      if (p.contains("a") && p.contains("b")) h.flagged.emplace_back(p["a"].get<size_t>(), p["b"].get<size_t>());
    }
    h.note = outlierNote(*o, h.flagged.size());
  }
  if (const json* sus = find(*o, {"suspect_link"}); sus && sus->is_string()) {
    h.note += "; suspect: " + sus->get<std::string>();  // "h17 ↔ leaf3:Ethernet12"
  } else if (const json* s = find(*o, {"suspect"}); s && s->is_string()) {
    h.note += "; suspect: " + s->get<std::string>();
  }
}

std::optional<svg::Heatmap> heatmap(const json& mx, const char* key, const std::string& title, const char* unit,
                                    bool higher_is_better, const char* rows, const char* columns) {
  const json* labels = find(mx, {"agents"});
  const json* values = find(mx, {key});
  if (labels == nullptr || values == nullptr || !labels->is_array() || !values->is_array()) return std::nullopt;
  svg::Heatmap h{title, unit, higher_is_better, rows, columns, {}, {}};
  for (const auto& l : *labels) h.labels.push_back(l.is_string() ? l.get<std::string>() : l.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  bool any = false;
  for (const auto& r : *values) {
    auto& out = h.values.emplace_back();
    if (!r.is_array()) continue;
    out.reserve(r.size());
    for (const auto& v : r) {
      out.push_back(v.is_number() ? std::optional<double>(v.get<double>()) : std::nullopt);
      any = any || v.is_number();
    }
  }
  addOutliers(mx, key, h);
  // Hosts grouped by switch when the topology is known (results/topology.h).
  if (const json* sw = find(mx, {"switches"}); sw && sw->is_array() && sw->size() == h.labels.size()) {
    for (const auto& g : *sw) h.groups.push_back(g.is_string() ? g.get<std::string>() : "");
  }
  return any ? std::optional<svg::Heatmap>(std::move(h)) : std::nullopt;
}

std::string figure(double v) { return escape(svg::formatNumber(v)); }

std::string direction(const std::optional<double>& v) { return v ? figure(*v) : "—"; }

// The drill-down of an aggregated heatmap: its worst pairs, worst first.
std::string worstPairsTable(const svg::Heatmap& h, const GroupedMatrix& g) {
  std::vector<std::string> group_of(h.labels.size());
  for (size_t i = 0; i < g.groups.hosts.size(); ++i) {
    for (size_t host : g.groups.hosts[i]) group_of[host] = g.groups.names[i];
  }
  const auto worst = worstPairs(h, kWorstPairs);
  std::string o = "<div class=\"worst-pairs\">\n<p><b>" + escape(h.title) + ": the " + std::to_string(worst.size()) +
                  " worst pairs</b><br><span class=\"small muted\">of " + std::to_string(g.pairs) +
                  " measured (host, peer) cells; median " + figure(g.median) + " " + escape(h.unit) + "; hosts grouped by " +
                  (g.groups.basis == "switch" ? "switch" : "blocks of matrix indexes") + "</span></p>\n";
  o += "<table class=\"worst-pairs\">\n<tr><th>#</th><th>host a</th><th>host b</th><th>worst (" + escape(h.unit) +
       ")</th><th>a → b</th><th>b → a</th><th>of median</th><th>groups</th><th>outlier</th></tr>\n";
  for (size_t i = 0; i < worst.size(); ++i) {
    const WorstPair& p = worst[i];
    const std::string ratio = g.median > 0 ? figure(p.value / g.median) + "×" : "—";
    o += std::string(p.flagged ? "<tr class=\"straggler\">" : "<tr>") + "<td class=\"num\">" + std::to_string(i + 1) +
         "</td><td>" + escape(h.labels[p.a]) + "</td><td>" + escape(h.labels[p.b]) + "</td><td class=\"num\">" +
         figure(p.value) + "</td><td class=\"num\">" + direction(p.a_to_b) + "</td><td class=\"num\">" +
         direction(p.b_to_a) + "</td><td class=\"num\">" + ratio + "</td><td>" + escape(group_of[p.a]) + " ↔ " +
         escape(group_of[p.b]) + "</td><td>" + (p.flagged ? "confirmed" : "") + "</td></tr>\n";
  }
  return o + "</table>\n</div>\n";
}

// A cell per pair up to kMaxPairHosts hosts; above, the aggregated heatmap and its worst pairs.
std::string matrixHtml(const svg::Heatmap& h) {
  if (h.labels.size() <= kMaxPairHosts) return svg::heatmapChart(h);
  const GroupedMatrix g = groupMatrix(h);
  return svg::groupHeatmapChart(h, g) + worstPairsTable(h, g);
}

}  // namespace

std::string matrixChartsHtml(const json& record) {
  const json* mx = find(record, {"matrix"});
  if (mx == nullptr) mx = find(record, {"metrics", "matrix"});
  if (mx == nullptr) return "";
  std::string o;
  if (auto h = heatmap(*mx, "latency_us_p50", "Round-trip latency p50 by pair (µs)", "µs", false, "agent", "peer")) {
    o += matrixHtml(*h);
  }
  if (auto h = heatmap(*mx, "throughput_gbps", "Throughput by pair (Gbit/s)", "Gbit/s", true, "sender", "receiver")) {
    o += matrixHtml(*h);
  }
  return o;
}

}  // namespace fabcheck::reports
