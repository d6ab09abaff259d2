#include "harness/results/probe_summary.h"

#include "harness/results/measurements.h"

namespace fabcheck::results {

using nlohmann::json;

namespace {

const patterns::FlowSpec* probeFlow(const model::TestOutcome& t) {
  for (const auto& f : t.plan.flows) {
    if (f.params) return &f;
  }
  return nullptr;
}

const engine::PingpongResult* resultOf(const std::vector<engine::PingpongResult>& rs, uint32_t flow_id) {
  for (const auto& r : rs) {
    if (r.flow_id == flow_id) return &r;
  }
  return nullptr;
}

}  // namespace

bool isProbeFlow(const model::TestOutcome& t, uint32_t flow_id) {
  const patterns::FlowSpec* f = probeFlow(t);
  return f && f->flow_id == flow_id;
}

void addProbeMetrics(const model::TestOutcome& t, json& metrics) {
  const patterns::FlowSpec* f = probeFlow(t);
  if (!t.spec.probe || !f) return;
  const engine::PingpongResult* loaded = resultOf(t.pingpongs, f->flow_id);
  const engine::PingpongResult* idle = resultOf(t.probe.idle_pingpongs, f->flow_id);
  json probe = {{"size_bytes", f->params->size_bytes},
                {"dscp", f->dscp >= 0 ? json(f->dscp) : json(nullptr)},
                {"dscp_received", nullptr},
                {"sender_agent", f->sender},
                {"receiver_agent", f->receiver},
                {"sent_packets", loaded ? loaded->sent : 0},
                {"lost_packets", loaded ? loaded->timeouts : 0},
                {"iterations", loaded ? loaded->measured : 0},
                {"idle_iterations", idle ? idle->measured : 0}};
  for (const auto& r : t.responders) {
    if (r.flow_id == f->flow_id && r.dscp_seen >= 0) probe["dscp_received"] = r.dscp_seen;
  }
  metrics["probe"] = probe;
  // A percentile of an empty histogram is no measurement: leave it out (an SLO on it is then
  // skipped, never passed).
  if (loaded && loaded->rtt_ns.count() > 0) metrics["latency_us"] = latencyUs(loaded->rtt_ns);
  if (idle && idle->rtt_ns.count() > 0) metrics["idle_latency_us"] = latencyUs(idle->rtt_ns);
  if (metrics.contains("latency_us") && metrics.contains("idle_latency_us")) {
    json inc = json::object();
    for (const char* k : {"p50", "p90", "p99", "p999", "max"}) {
      inc[k] = metrics["latency_us"][k].get<double>() - metrics["idle_latency_us"][k].get<double>();
    }
    metrics["latency_increase_us"] = inc;
  }
}

}  // namespace fabcheck::results
