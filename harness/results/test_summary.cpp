#include "harness/results/test_summary.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "harness/plan/matrix_retests.h"
#include "harness/results/collective_summary.h"
#include "harness/results/counter_summary.h"
#include "harness/results/nic_verdicts.h"
#include "harness/results/histograms.h"
#include "harness/results/matrix_outliers.h"
#include "harness/results/probe_summary.h"
#include "harness/results/topology.h"
#include "harness/suite/pattern_registry.h"

namespace fabcheck::results {

using nlohmann::json;

json agentJson(const model::AgentInfo& a) {
  return json{{"id", a.id},
              {"host", a.host},
              {"version", a.version},
              {"pid", a.pid},
              {"peer", a.peer},
              {"boot_id", a.boot_id},
              {"kernel", a.kernel},
              {"clock_source", a.clock_source},
              {"rdma_devices", a.rdma_devices},
              {"interfaces", a.interfaces},
              {"switch", a.switch_name.empty() ? json(nullptr) : json(a.switch_name)},
              {"switch_port", a.switch_port.empty() ? json(nullptr) : json(a.switch_port)},
              {"topology_source", a.topology_source.empty() ? json(nullptr) : json(a.topology_source)},
              {"topology_note", a.topology_note.empty() ? json(nullptr) : json(a.topology_note)},
              {"clock_offset_ns", a.clock_offset_ns},
              {"offset_bound_ns", a.offset_bound_ns >= 0 ? json(a.offset_bound_ns) : json(nullptr)},
              {"lost", a.lost},
              {"lost_reason", a.lost ? json(a.lost_reason) : json(nullptr)},
              {"dropped", a.dropped}};
}

namespace {

// The flow ids that both a sender's and a receiver's figures came for.
std::set<uint32_t> flowsWithBothEnds(const model::TestOutcome& t) {
  std::set<uint32_t> sent, both;
  for (const auto& s : t.senders) sent.insert(s.flow_id);
  for (const auto& r : t.receivers) {
    if (sent.count(r.flow_id)) both.insert(r.flow_id);
  }
  return both;
}

// An errored test's stream flows count only when both ends reported: a sender's count whose
// receiver (or its agent) was lost is no measurement of loss.
void keepFlowsWithBothEnds(const model::TestOutcome& t, Measurements& m) {
  const std::set<uint32_t> both = flowsWithBothEnds(t);
  std::erase_if(m.senders, [&](const engine::SenderResult& s) { return !both.count(s.flow_id); });
  std::erase_if(m.receivers, [&](const engine::ReceiverResult& r) { return !both.count(r.flow_id); });
}

// An errored test: how many stream flows lack one end's figures or both (not counted:
// "flows_unmeasured"); with no flow measured (and no round trips), its packet metrics are absent (metrics_missing
// says why) instead of 0, so that no SLO on them can pass.
void markUnmeasuredFlows(const model::TestOutcome& t, json& record) {
  if (t.error.empty()) return;
  std::set<uint32_t> any;
  for (const auto& s : t.senders) any.insert(s.flow_id);
  for (const auto& r : t.receivers) any.insert(r.flow_id);
  if (t.pingpongs.empty()) {  // a stream test: every planned flow should have been measured
    for (const auto& f : t.plan.flows) any.insert(f.flow_id);
  }
  const size_t measured = flowsWithBothEnds(t).size();
  if (any.size() == measured) return;
  record["flows_unmeasured"] = any.size() - measured;
  if (measured > 0 || !t.pingpongs.empty() || !record.contains("metrics") || !record["metrics"].is_object()) return;
  static const char* const kPacketMetrics[] = {
      "sent_packets",      "received_packets",  "lost_packets",      "loss_ratio",        "reordered_packets",
      "duplicate_packets", "late_packets",      "throughput_gbps",   "packet_rate_mpps",  "offered_gbps",
      "ce_marked_packets", "malformed_packets", "corrupted_packets", "truncated_packets"};
  json& metrics = record["metrics"];
  for (const char* name : kPacketMetrics) {
    if (!metrics.contains(name)) continue;
    metrics.erase(name);
    record["metrics_missing"][name] = "not measured: the test errored before any flow's receiver reported";
  }
}

}  // namespace

Measurements measurementsOf(const model::TestOutcome& t) {
  Measurements m;
  m.params = t.spec.params;
  m.same_clock = t.one_way_bound_ns >= 0;
  m.senders = t.senders;
  m.receivers = t.receivers;
  if (!t.error.empty()) keepFlowsWithBothEnds(t, m);
  // The probe of a latency-under-load test is not part of the load (probe_summary.h).
  for (const auto& p : t.pingpongs) {
    if (!isProbeFlow(t, p.flow_id)) m.pingpongs.push_back(p);
  }
  for (const auto& r : t.responders) {
    if (!isProbeFlow(t, r.flow_id)) m.responders.push_back(r);
  }
  return m;
}

std::string agentHost(const std::vector<model::AgentInfo>& agents, int id) {
  return id >= 0 && id < static_cast<int>(agents.size()) ? agents[static_cast<size_t>(id)].host : "?";
}

namespace {

// Host × host (agent × agent) views of a matrix test: round-trip p50 and throughput per link
// (plan/matrix_retests.h), from the first pass's flows.
json matrixOf(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents) {
  const auto& ids = t.participants;
  std::map<int, size_t> index;
  json labels = json::array();
  for (size_t i = 0; i < ids.size(); ++i) {
    index[ids[i]] = i;
    labels.push_back("agent " + std::to_string(ids[i]) + " (" + agentHost(agents, ids[i]) + ")");
  }
  const size_t n = ids.size();
  json latency = json::array(), rate = json::array();
  for (size_t i = 0; i < n; ++i) {
    latency.push_back(json(std::vector<json>(n, nullptr)));
    rate.push_back(json(std::vector<json>(n, nullptr)));
  }
  const plan::MatrixCells cells = plan::matrixCells(t.plan.flows, t.senders, t.receivers, t.pingpongs);
  for (const auto& [link, us] : cells.latency_us_p50) latency[index.at(link.first)][index.at(link.second)] = us;
  for (const auto& [link, gbps] : cells.throughput_gbps) rate[index.at(link.first)][index.at(link.second)] = gbps;
  return json{{"agents", labels}, {"latency_us_p50", latency}, {"throughput_gbps", rate}};
}

// The controller's retests of the flagged pairs (agent ids) by matrix index.
OutlierRetests retestsOf(const model::TestOutcome& t) {
  OutlierRetests out;
  out.retests = t.spec.outlier_retests;
  std::map<int, size_t> index;
  for (size_t i = 0; i < t.participants.size(); ++i) index[t.participants[i]] = i;
  for (const auto& r : t.matrix_retests) {
    if (!index.count(r.a) || !index.count(r.b)) continue;
    const size_t a = index.at(r.a), b = index.at(r.b);
    out.values[{std::min(a, b), std::max(a, b)}] = r.values;
  }
  return out;
}

}  // namespace

json flowMetrics(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents, const SummaryParts& parts) {
  std::map<uint32_t, const patterns::FlowSpec*> flow;
  for (const auto& f : t.plan.flows) flow[f.flow_id] = &f;
  return summarize(measurementsOf(t), parts, [&](uint32_t id) {
    auto it = flow.find(id);
    if (it == flow.end()) return json::object();
    const auto& f = *it->second;
    return json{{"sender_agent", f.sender},
                {"receiver_agent", f.receiver},
                {"sender_host", agentHost(agents, f.sender)},
                {"receiver_host", agentHost(agents, f.receiver)}};
  });
}

void addMatrix(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents, json& record) {
  if (t.spec.placement != patterns::Placement::kMatrix) return;
  record["matrix"] = matrixOf(t, agents);
  addMatrixOutliers(record, t.spec.outlier_ratio, retestsOf(t));
  std::vector<std::string> links, switches;
  for (int id : t.participants) {
    const auto it = std::find_if(agents.begin(), agents.end(), [&](const model::AgentInfo& a) { return a.id == id; });
    links.push_back(it == agents.end() ? agentHost(agents, id) : linkName(*it));
    switches.push_back(it == agents.end() ? "" : it->switch_name);
  }
  addOutlierLinks(record, links, switches);
}

json summarizeTest(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents) {
  json j;
  j["name"] = t.name;
  j["transport"] = t.spec.transport;
  j["participants"] = t.participants;
  j["rounds"] = t.rounds;
  j["error"] = t.error.empty() ? json(nullptr) : json(t.error);
  if (!t.transport_caveat.empty()) j["transport_caveat"] = t.transport_caveat;  // figures are not performance
  if (!t.transport_devices.empty()) {
    json d = json::object();
    for (const auto& [a, dev] : t.transport_devices) d[std::to_string(a)] = dev;
    j["transport_devices"] = d;
  }
  j["start_skew_us"] = t.start_skew_ns >= 0 ? json(static_cast<double>(t.start_skew_ns) / 1000.0) : json(nullptr);
  j["start_skew_bound_us"] =
      t.start_skew_ns >= 0 ? json(static_cast<double>(t.start_skew_bound_ns) / 1000.0) : json(nullptr);
  j["one_way_bound_us"] =
      t.one_way_bound_ns >= 0 ? json(static_cast<double>(t.one_way_bound_ns) / 1000.0) : json(nullptr);
  if (!t.clock_steps_ns.empty()) {  // agents whose realtime clock stepped beyond the bound (the test errored)
    json steps = json::array();
    for (const auto& [a, step] : t.clock_steps_ns) {
      const bool known = a >= 0 && static_cast<size_t>(a) < agents.size();
      steps.push_back({{"agent", a}, {"host", known ? json(agents[static_cast<size_t>(a)].host) : json(nullptr)},
                       {"step_ns", step}, {"bound_ns", t.clock_step_bound_ns}});
    }
    j["clock_steps"] = std::move(steps);
  }
  // pattern, placement, metrics and the pattern's own parts (a collective's, a matrix's).
  suite::patternFor(t.spec)->summarize(t, agents, j);
  addProbeMetrics(t, j["metrics"]);
  markUnmeasuredFlows(t, j);
  addCounters(t, agents, j);
  addNicVerdicts(t, agents, j);
  json logs = json::object();
  for (const auto& [a, lines] : t.agent_logs) logs[std::to_string(a)] = lines;
  j["agent_logs"] = logs;
  j["histograms"] = histogramsOf(t, measurementsOf(t));
  return j;
}

}  // namespace fabcheck::results
