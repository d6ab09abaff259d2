#include "reports/html_flows.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "reports/flow_distribution.h"
#include "reports/record_fields.h"
#include "reports/svg_charts.h"
#include "reports/svg_distribution.h"

namespace fabcheck::reports {
namespace {

using nlohmann::json;
using svg::escape;

// A record value as the flows chart has always labelled it (html_reporter.cpp's show()).
std::string shown(const json* v) {
  if (v == nullptr || v->is_null()) return "—";
  if (v->is_string()) return escape(v->get<std::string>());
  if (v->is_boolean()) return v->get<bool>() ? "yes" : "no";
  if (v->is_number()) return escape(svg::formatNumber(v->get<double>()));
  return escape(v->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// Plain text of a flow's id or agent (escaped once, where it is written).
std::string plain(const json* v) {
  if (v == nullptr || v->is_null()) return "—";
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number()) return svg::formatNumber(v->get<double>());
  return v->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<FlowRow> flowRows(const json& flows) {
  std::vector<FlowRow> rows;
  for (const auto& f : flows) {
    const auto gbps = number(f, {"throughput_gbps"});
    if (!gbps) continue;
    const auto lost = number(f, {"lost_packets"}).value_or(0);
    const auto sent = number(f, {"sent_packets"}).value_or(0);
    const auto received = number(f, {"received_packets"}).value_or(0);
    FlowRow r{plain(find(f, {"flow_id"})),
              str(f, {"sender_host"}, "agent") + " #" + plain(find(f, {"sender_agent"})),
              str(f, {"receiver_host"}, "agent") + " #" + plain(find(f, {"receiver_agent"})),
              *gbps, lost > 0 ? static_cast<uint64_t>(lost) : 0, 0};
    const double base = sent > 0 ? sent : received + lost;
    r.loss_ratio = base > 0 && lost > 0 ? lost / base : 0;
    rows.push_back(std::move(r));
  }
  return rows;
}

// A bar per flow: the chart as it has always been.
std::string barsHtml(const json& flows) {
  std::vector<svg::FlowBar> bars;
  for (const auto& f : flows) {
    const auto gbps = number(f, {"throughput_gbps"});
    if (!gbps) continue;
    // "node01 #0": host and agent id (several agents may share a host).
    const std::string from = str(f, {"sender_host"}, "agent") + " #" + shown(find(f, {"sender_agent"}));
    const std::string to = str(f, {"receiver_host"}, "agent") + " #" + shown(find(f, {"receiver_agent"}));
    const auto lost = number(f, {"lost_packets"}).value_or(0);
    bars.push_back({shown(find(f, {"flow_id"})) + ": " + from + " → " + to, *gbps, lost > 0 ? static_cast<uint64_t>(lost) : 0});
  }
  return bars.empty() ? "" : svg::flowsChart("Throughput per flow", bars);
}

std::string worstTable(const std::vector<FlowRow>& rows, const std::vector<size_t>& order, const std::string& what,
                       double median_gbps) {
  std::string o = "<div class=\"worst-flows\">\n<p><b>" + escape(what) + "</b><br><span class=\"small muted\">" +
                  std::to_string(order.size()) + " of " + std::to_string(rows.size()) + " flows; median " +
                  escape(svg::formatNumber(median_gbps)) + " Gbit/s</span></p>\n<table class=\"worst-flows\">\n"
                  "<tr><th>#</th><th>flow</th><th>sender</th><th>receiver</th><th>Gbit/s</th><th>of median</th>"
                  "<th>lost packets</th><th>loss ratio</th></tr>\n";
  for (size_t i = 0; i < order.size(); ++i) {
    const FlowRow& r = rows[order[i]];
    o += std::string(r.lost > 0 ? "<tr class=\"straggler\">" : "<tr>") + "<td class=\"num\">" + std::to_string(i + 1) +
         "</td><td class=\"num\">" + escape(r.id) + "</td><td>" + escape(r.from) + "</td><td>" + escape(r.to) +
         "</td><td class=\"num\">" + escape(svg::formatNumber(r.gbps)) + "</td><td class=\"num\">" +
         (median_gbps > 0 ? escape(svg::formatNumber(r.gbps / median_gbps)) + "×" : "—") + "</td><td class=\"num\">" +
         std::to_string(r.lost) + "</td><td class=\"num\">" + escape(svg::formatNumber(r.loss_ratio)) + "</td></tr>\n";
  }
  return o + "</table>\n</div>\n";
}

double medianGbps(const std::vector<FlowRow>& rows) {
  std::vector<double> v;
  for (const auto& r : rows) v.push_back(r.gbps);
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  if (v.size() % 2) return v[mid];
  return (*std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid)) + v[mid]) / 2;
}

// Many flows: distributions of throughput (and loss), and the worst flows.
std::string distributionsHtml(const std::vector<FlowRow>& rows) {
  std::vector<double> gbps, loss;
  std::vector<bool> lost;
  for (const auto& r : rows) gbps.push_back(r.gbps), lost.push_back(r.lost > 0), loss.push_back(r.loss_ratio);
  const std::string n = std::to_string(rows.size());
  std::string o = svg::histogramChart("Throughput per flow: distribution of " + n + " flows", "throughput per flow",
                                      "Gbit/s", bucketize(gbps, lost, kHistogramBuckets), "flows that lost packets");
  const auto lossy = mostLost(rows, kWorstFlows);
  if (!lossy.empty()) {
    o += svg::histogramChart("Loss ratio per flow: distribution of " + n + " flows", "lost / sent per flow", "",
                             bucketize(loss, lost, kHistogramBuckets), "flows that lost packets");
  }
  const double median = medianGbps(rows);
  o += worstTable(rows, lowestThroughput(rows, kWorstFlows), "Flows of lowest throughput", median);
  if (!lossy.empty()) o += worstTable(rows, lossy, "Flows that lost the most packets", median);
  return o;
}

}  // namespace

std::string flowChartsHtml(const json& metrics) {
  const json* flows = find(metrics, {"per_flow"});
  if (flows == nullptr || !flows->is_array() || flows->empty()) return "";
  const std::vector<FlowRow> rows = flowRows(*flows);
  if (rows.size() <= kMaxFlowBars) return barsHtml(*flows);
  return distributionsHtml(rows);
}

}  // namespace fabcheck::reports
