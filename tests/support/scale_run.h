// A synthetic run over many hosts (issue 18: 1024) for the HTML report's tests and its bench:
// the records a real run would give its reporters, built in-process without any agent.
//
// The run: `hosts` agents, agent i on host "hNNNN", cabled (when `switches`) to switch
// "leafNN" = i / 32 (32 hosts per leaf), and three tests:
//   "latency-matrix"   pingpong, placement matrix: round-trip p50 of every ordered pair, 18.0 to
//                      18.9 µs, except host kSlowHost's pairs at 60 µs and the pair
//                      {kWorstLatencyA, kWorstLatencyB} at 95 µs (the worst, both directions)
//   "bandwidth-matrix" stream, placement matrix: throughput of every ordered pair, 9.40 to 9.49
//                      Gbit/s, except kWorstRateFrom → kWorstRateTo at 2.5 Gbit/s (one direction)
//   "ring"             stream, 8 flows from each host to the next: 1.20 to 1.29 Gbit/s per flow,
//                      except flow kSlowFlow at 0.3 Gbit/s with 900 packets lost and flow
//                      kLossyFlow at full rate with 3 lost; 100 intervals of the ring's throughput
// The matrices' outliers and switches are written by the results code itself
// (results::addMatrixOutliers, results::addOutlierLinks), as the controller writes them.
// Values are deterministic (no randomness): the same records on every run.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/results/matrix_outliers.h"
#include "reports/html_reporter.h"

namespace fabcheck::testing::scale {

using nlohmann::json;

inline constexpr size_t kHostsPerLeaf = 32;
inline constexpr size_t kSlowHost = 777;
inline constexpr size_t kWorstLatencyA = 100, kWorstLatencyB = 777;
inline constexpr size_t kWorstRateFrom = 300, kWorstRateTo = 901;
inline constexpr size_t kFlowsPerHost = 8;
inline constexpr size_t kSlowFlow = 4242, kLossyFlow = 17;

inline std::string host(size_t i) {
  char b[32];
  std::snprintf(b, sizeof b, "h%04zu", i);
  return b;
}
inline std::string leaf(size_t i) {
  char b[32];
  std::snprintf(b, sizeof b, "leaf%02zu", i / kHostsPerLeaf);
  return b;
}
inline std::string label(size_t i) { return "agent " + std::to_string(i) + " (" + host(i) + ")"; }

inline json agents(size_t hosts, bool switches) {
  json out = json::array();
  for (size_t i = 0; i < hosts; ++i) {
    out.push_back({{"id", i}, {"host", host(i)}, {"version", "0.1.0"}, {"pid", 1000 + i}, {"kernel", "6.1.0-18-amd64"},
                   {"switch", switches ? json(leaf(i)) : json(nullptr)},
                   {"switch_port", switches ? json("Ethernet" + std::to_string(i % kHostsPerLeaf)) : json(nullptr)},
                   {"clock_offset_ns", 1000}, {"offset_bound_ns", 20000}, {"lost", false}, {"lost_reason", nullptr}});
  }
  return out;
}

// An n × n matrix of `value(r, c)` (null on the diagonal), or of nulls.
template <typename F>
json square(size_t n, F value) {
  json rows = json::array();
  for (size_t r = 0; r < n; ++r) {
    json row = json::array();
    for (size_t c = 0; c < n; ++c) row.push_back(r == c ? json(nullptr) : value(r, c));
    rows.push_back(std::move(row));
  }
  return rows;
}

inline double latencyOf(size_t r, size_t c) {
  if ((r == kWorstLatencyA && c == kWorstLatencyB) || (r == kWorstLatencyB && c == kWorstLatencyA)) return 95;
  if (r == kSlowHost || c == kSlowHost) return 60;
  return 18.0 + static_cast<double>((r * 7 + c * 13) % 10) / 10;
}
inline double rateOf(size_t r, size_t c) {
  if (r == kWorstRateFrom && c == kWorstRateTo) return 2.5;
  return 9.4 + static_cast<double>((r * 3 + c * 5) % 10) / 100;
}

inline json matrixRecord(const std::string& name, const std::string& pattern, size_t hosts, bool switches) {
  const bool latency = pattern == "pingpong";
  json participants = json::array();
  json labels = json::array();
  for (size_t i = 0; i < hosts; ++i) participants.push_back(i), labels.push_back(label(i));
  json r = {{"name", name}, {"pattern", pattern}, {"placement", "matrix"}, {"transport", "udp"},
            {"participants", participants}, {"rounds", hosts - 1}, {"verdict", "pass"}, {"error", nullptr},
            {"slos", json::array()}, {"metrics", {{"duration_s", 60.0}}}};
  r["matrix"] = {{"agents", labels},
                 {"latency_us_p50", square(hosts, [&](size_t a, size_t b) { return latency ? json(latencyOf(a, b)) : json(nullptr); })},
                 {"throughput_gbps", square(hosts, [&](size_t a, size_t b) { return latency ? json(nullptr) : json(rateOf(a, b)); })}};
  results::addMatrixOutliers(r);
  std::vector<std::string> links, sw;
  for (size_t i = 0; i < hosts; ++i) {
    links.push_back(switches ? host(i) + " ↔ " + leaf(i) + ":Ethernet" + std::to_string(i % kHostsPerLeaf) : host(i));
    sw.push_back(switches ? leaf(i) : "");
  }
  results::addOutlierLinks(r, links, sw);
  return r;
}

inline json ringRecord(size_t hosts) {
  json flows = json::array();
  for (size_t k = 0; k < hosts * kFlowsPerHost; ++k) {
    const size_t from = k % hosts, to = (from + 1) % hosts;
    const uint64_t lost = k == kSlowFlow ? 900 : k == kLossyFlow ? 3 : 0;
    const double gbps = k == kSlowFlow ? 0.3 : 1.2 + static_cast<double>(k % 10) / 100;
    flows.push_back({{"flow_id", k}, {"sender_agent", from}, {"receiver_agent", to}, {"sender_host", host(from)},
                     {"receiver_host", host(to)}, {"sent_packets", 100000}, {"received_packets", 100000 - lost},
                     {"lost_packets", lost}, {"throughput_gbps", gbps}});
  }
  json participants = json::array();
  for (size_t i = 0; i < hosts; ++i) participants.push_back(i);
  json samples = json::array();  // the whole ring's throughput over 10 s
  for (int k = 0; k < 100; ++k) {
    samples.push_back({{"start_s", k / 10.0}, {"duration_s", 0.1}, {"gbps", 1.25 * static_cast<double>(hosts * kFlowsPerHost) - k % 5}});
  }
  return {{"name", "ring"}, {"pattern", "stream"}, {"placement", "ring"}, {"transport", "udp"},
          {"participants", participants}, {"rounds", 1}, {"verdict", "pass"}, {"error", nullptr},
          {"slos", json::array()},
          {"metrics", {{"duration_s", 10.0}, {"throughput_gbps", 1.25 * static_cast<double>(hosts * kFlowsPerHost)},
                       {"loss_ratio", 903.0 / (100000.0 * static_cast<double>(hosts * kFlowsPerHost))},
                       {"lost_packets", 903}, {"per_flow", flows},
                       {"intervals", {{"interval_ns", 100000000}, {"samples", samples}}}}}};
}

struct Run {
  json context, agents;
  std::vector<json> tests;
  json end;
};

inline Run run(size_t hosts = 1024, bool switches = true) {
  Run r;
  r.context = {{"fabcheck_version", "0.1.0"}, {"suite", {{"name", "scale-" + std::to_string(hosts)}}},
               {"launcher", "local"}, {"started_at", "2026-12-03T08:00:00Z"}};
  r.agents = agents(hosts, switches);
  r.tests = {matrixRecord("latency-matrix", "pingpong", hosts, switches),
             matrixRecord("bandwidth-matrix", "stream", hosts, switches), ringRecord(hosts)};
  r.end = {{"finished_at", "2026-12-03T08:10:00Z"}, {"duration_s", 600.0}, {"interrupted", false},
           {"error", nullptr}, {"counts", {{"pass", 3}, {"fail", 0}, {"error", 0}, {"skipped", 0}}}, {"exit_code", 0}};
  return r;
}

inline std::string html(const Run& r) { return reports::renderHtml(r.context, r.agents, r.tests, r.end); }

}  // namespace fabcheck::testing::scale
