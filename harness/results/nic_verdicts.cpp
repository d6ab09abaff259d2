#include "harness/results/nic_verdicts.h"

#include <algorithm>

#include "harness/counters/counter_series.h"
#include "harness/counters/ecn_consistency.h"
#include "harness/counters/lossless_verdict.h"
#include "harness/counters/pause_activity.h"
#include "harness/results/counted_hosts.h"
#include "harness/results/topology.h"

namespace fabcheck::results {

using nlohmann::json;

namespace {

// A flat metric of the record ("nic.cnp_sent" lives at metrics["nic"]["cnp_sent"]).
std::optional<double> metricOf(const json& record, const std::string& name) {
  const auto dot = name.find('.');
  if (dot == std::string::npos || !record.contains("metrics")) return std::nullopt;
  const json& m = record["metrics"];
  const std::string head = name.substr(0, dot), rest = name.substr(dot + 1);
  if (!m.contains(head) || !m[head].is_object() || !m[head].contains(rest) || !m[head][rest].is_number()) return std::nullopt;
  return m[head][rest].get<double>();
}

std::string missingOf(const json& record, const std::string& name) {
  const json& why = record.value("metrics_missing", json::object());
  return why.contains(name) && why[name].is_string() ? why[name].get<std::string>() : "not read";
}

void setMetric(json& record, const std::string& name, double v) {
  const auto dot = name.find('.');
  record["metrics"][name.substr(0, dot)][name.substr(dot + 1)] = v;
}

void setMissing(json& record, const std::string& name, const std::string& why) { record["metrics_missing"][name] = why; }

json nullable(const std::vector<std::optional<double>>& v) {
  json out = json::array();
  for (const auto& x : v) out.push_back(x ? json(*x) : json(nullptr));
  return out;
}

std::string nicName(const counters::Labels& l) {
  const auto dev = l.find("dev");
  return dev == l.end() ? "NIC" : dev->second;
}

// One host's sampled ethtool series (empty when not sampled or the NIC has no such counters).
struct HostSeries {
  bool sampled = false;
  std::vector<counters::CounterSnapshot> ethtool;
  std::string error;
};

HostSeries seriesOf(const json& c) {
  HostSeries out;
  if (!c.contains("series") || !c["series"].is_object()) return out;
  out.sampled = true;
  const json sources = c["series"].value("sources", json::array());
  for (const auto& s : sources) {
    if (s.value("source", std::string()) != "ethtool") continue;
    try {
      out.ethtool = counters::toSnapshots(counters::seriesFromJson(s));
    } catch (const std::exception& e) {
      out.error = e.what();
    }
  }
  return out;
}

template <class T>
std::map<std::string, T> mapOf(const json& c, const char* key) {
  std::map<std::string, T> out;
  if (!c.contains(key) || !c[key].is_object()) return out;
  for (const auto& [k, v] : c[key].items()) {
    if constexpr (std::is_same_v<T, double>) {
      if (v.is_number()) out[k] = v.template get<double>();
    } else {
      if (v.is_string()) out[k] = v.template get<std::string>();
    }
  }
  return out;
}

bool hasPfcCounters(const std::vector<counters::CounterSnapshot>& series) {
  for (const auto& snap : series) {
    for (const auto& s : snap.samples) {
      if (s.name.find("pause") != std::string::npos) return true;
    }
  }
  return false;
}

// "h17 ↔ leaf3:Ethernet12" when the host's switch port is known (topology.h), else its name.
std::string hostLink(const CountedHost& h, const std::vector<model::AgentInfo>& agents) {
  for (const auto& a : agents) {
    if (a.id == h.agent && !switchPort(a).empty()) return h.name + " ↔ " + switchPort(a);
  }
  return h.name;
}

counters::LosslessHost losslessHost(const CountedHost& h, const HostSeries& s, const counters::PfcStormOptions& o) {
  counters::LosslessHost out{.host = h.name,
                             .metrics = mapOf<double>(*h.counters, "metrics"),
                             .missing = mapOf<std::string>(*h.counters, "missing")};
  if (h.counters->contains("contributors") && (*h.counters)["contributors"].is_object()) {
    for (const auto& [metric, list] : (*h.counters)["contributors"].items()) {
      for (const auto& c : list) {
        out.contributors[metric].push_back({c.value("counter", std::string()), c.value("delta", uint64_t{0})});
      }
    }
  }
  if (!s.error.empty()) out.storm_not_judged = "its counter series is malformed: " + s.error;
  else if (!s.sampled) out.storm_not_judged = "its counters were not sampled through the test (counters.interval off)";
  else if (!hasPfcCounters(s.ethtool)) out.storm_not_judged = "its NIC has no per-priority pause counters";
  else out.storm = counters::evaluatePfcStorm(s.ethtool, o);
  if (!s.ethtool.empty()) out.first_sample_mono_ns = s.ethtool.front().taken_mono_ns;
  return out;
}

json losslessJson(const counters::LosslessVerdict& v) {
  json j = {{"known", v.known}, {"ok", v.ok()}, {"violations", v.violations}, {"checked", v.checked},
            {"not_checked", v.not_checked}};
  if (!v.known) j["why_unknown"] = v.why_unknown;
  return j;
}

json stormsJson(const counters::LosslessHost& h) {
  json out = json::array();
  if (!h.storm) return out;
  for (const auto& s : h.storm->storms) {
    out.push_back({{"host", h.host}, {"nic", nicName(s.nic)}, {"priority", s.priority},
                   {"start_s", (s.start_mono_ns - h.first_sample_mono_ns) / 1e9}, {"duration_ms", s.duration_ns / 1e6},
                   {"max_duty", s.max_duty}});
  }
  return out;
}

// The pause lines of one host; updates the largest duty and the largest received-pause rate.
void addPause(const std::string& host, const HostSeries& s, json& pause, double& max_duty, double& max_rate,
              bool& has_duration) {
  if (s.ethtool.size() < 2) return;
  const int64_t t0 = s.ethtool.front().taken_mono_ns;
  const double span_s = static_cast<double>(s.ethtool.back().taken_mono_ns - t0) / 1e9;
  for (const auto& line : counters::pauseActivity(s.ethtool)) {
    json t = json::array();
    for (int64_t x : line.t_end_mono_ns) t.push_back(static_cast<double>(x - t0) / 1e9);
    pause.push_back({{"host", host}, {"nic", nicName(line.nic)}, {"priority", line.priority}, {"max_duty", line.max_duty},
                     {"rx_frames", line.rx_frames}, {"tx_frames", line.tx_frames}, {"t_s", std::move(t)},
                     {"duty", nullable(line.duty)}, {"rx_frames_per_s", nullable(line.rx_frames_per_s)},
                     {"tx_frames_per_s", nullable(line.tx_frames_per_s)}});
    max_duty = std::max(max_duty, line.max_duty);
    has_duration = has_duration || line.has_duration;
    if (span_s > 0) max_rate = std::max(max_rate, static_cast<double>(line.rx_frames) / span_s);
  }
}

}  // namespace

namespace {

// ecn.* from the hosts' summed NIC counters.
void addEcn(json& record, json& nic) {
  const auto marked = metricOf(record, "nic.ecn_marked_packets");
  const auto sent = metricOf(record, "nic.cnp_sent");
  const auto handled = metricOf(record, "nic.cnp_handled");
  if (!marked || !sent || !handled) {
    const std::string name = !marked ? "nic.ecn_marked_packets" : !sent ? "nic.cnp_sent" : "nic.cnp_handled";
    const std::string why = name + " was not read: " + missingOf(record, name);
    for (const char* m : {"ecn.cnp_per_mark", "ecn.handled_per_cnp", "ecn.consistent"}) setMissing(record, m, why);
    return;
  }
  const counters::EcnConsistency e = counters::ecnConsistency(*marked, *sent, *handled);
  json j = {{"marked", *marked}, {"cnp_sent", *sent}, {"cnp_handled", *handled}, {"consistent", e.consistent},
            {"problems", e.problems}};
  if (e.cnp_per_mark) {
    j["cnp_per_mark"] = *e.cnp_per_mark;
    setMetric(record, "ecn.cnp_per_mark", *e.cnp_per_mark);
  } else {
    setMissing(record, "ecn.cnp_per_mark", "no CE-marked packet was received");
  }
  if (e.handled_per_cnp) {
    j["handled_per_cnp"] = *e.handled_per_cnp;
    setMetric(record, "ecn.handled_per_cnp", *e.handled_per_cnp);
  } else {
    setMissing(record, "ecn.handled_per_cnp", "no CNP was sent");
  }
  setMetric(record, "ecn.consistent", e.consistent ? 1 : 0);
  nic["ecn"] = std::move(j);
}

// The BMWG draft's KPIs that fabcheck can compute (docs/metrics.md "IETF BMWG KPIs").
void addKpis(json& record) {
  const json& m = record["metrics"];
  const auto top = [&m](const char* k) {
    return m.contains(k) && m[k].is_number() ? std::optional<double>(m[k].get<double>()) : std::nullopt;
  };
  const auto lost_top = top("lost_packets"), sent = top("sent_packets");
  if (lost_top && sent && *sent > 0) setMetric(record, "kpi.packet_drop_rate_ppm", *lost_top / *sent * 1e6);
  else setMissing(record, "kpi.packet_drop_rate_ppm", "the test's pattern counted no sent and lost messages");
  // ECN Marking Ratio: CE-marked over ECN-capable packets received — the RDMA NICs' counters
  // when read, else the kernel's IP counters (IpExt).
  const auto nic_marked = metricOf(record, "nic.ecn_marked_packets");
  const auto rdma_rx = metricOf(record, "rdma.rx_packets");
  const auto ce = metricOf(record, "host.ce_packets");
  const auto ect = metricOf(record, "host.ect_packets");
  if (nic_marked && rdma_rx && *rdma_rx > 0) setMetric(record, "kpi.ecn_marking_ratio_pct", *nic_marked / *rdma_rx * 100);
  else if (ce && ect && *ce + *ect > 0) setMetric(record, "kpi.ecn_marking_ratio_pct", *ce / (*ce + *ect) * 100);
  else setMissing(record, "kpi.ecn_marking_ratio_pct", "no ECN-capable packet was counted (nic.ecn_marked_packets with rdma.rx_packets, or host.ce_packets with host.ect_packets)");
}

}  // namespace

void addNicVerdicts(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents, json& record) {
  const model::CounterSpec& spec = t.spec.counters;
  const counters::PfcStormOptions storm_options{spec.storm_duty, spec.storm_min_ns, spec.storm_idle_tx_pps};
  counters::LosslessInput input{.priorities = spec.lossless_priorities};
  json nic = {{"pfc_storms", json::array()}, {"pause", json::array()}};
  double max_duty = 0, max_rate = 0;
  bool duration = false, pause_known = !t.host_counters.empty(), storms_known = pause_known;
  size_t storms = 0;
  std::string pause_why = "no participant's counters were read", storms_why = pause_why;
  for (const CountedHost& h : countedHosts(t, agents)) {
    const HostSeries s = seriesOf(*h.counters);
    counters::LosslessHost host = losslessHost(h, s, storm_options);
    host.host = hostLink(h, agents);  // findings name the switch port when it is known
    for (auto& x : stormsJson(host)) nic["pfc_storms"].push_back(std::move(x));
    if (host.storm) {
      storms += host.storm->storms.size();
    } else if (storms_known) {
      storms_known = false;
      storms_why = h.name + ": " + host.storm_not_judged;
    }
    if (s.ethtool.empty() || !hasPfcCounters(s.ethtool)) {
      if (pause_known) pause_why = h.name + ": " + (s.sampled ? "no per-priority pause counters" : "counters not sampled");
      pause_known = false;
    }
    addPause(h.name, s, nic["pause"], max_duty, max_rate, duration);
    input.hosts.push_back(std::move(host));
  }
  if (record.contains("metrics") && record["metrics"].contains("lost_packets") && record["metrics"]["lost_packets"].is_number()) {
    input.lost_packets = record["metrics"]["lost_packets"].get<double>();
  }
  const counters::LosslessVerdict v = counters::losslessVerdict(input);
  nic["lossless"] = losslessJson(v);
  if (v.known) {
    setMetric(record, "lossless.ok", v.ok() ? 1 : 0);
    setMetric(record, "lossless.violations", static_cast<double>(v.violations.size()));
  } else {
    setMissing(record, "lossless.ok", v.why_unknown);
    setMissing(record, "lossless.violations", v.why_unknown);
  }
  if (storms_known) setMetric(record, "nic.pfc.storms", static_cast<double>(storms));
  else setMissing(record, "nic.pfc.storms", storms_why);
  if (pause_known && duration) setMetric(record, "nic.pfc.max_pause_duty", max_duty);
  else setMissing(record, "nic.pfc.max_pause_duty", pause_known ? "no NIC has a pause-duration counter" : pause_why);
  if (pause_known) setMetric(record, "kpi.pfc_pause_rate_per_s", max_rate);
  else setMissing(record, "kpi.pfc_pause_rate_per_s", pause_why);
  addEcn(record, nic);
  addKpis(record);
  record["nic"] = std::move(nic);
}

}  // namespace fabcheck::results
