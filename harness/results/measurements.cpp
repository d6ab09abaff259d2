#include "harness/results/measurements.h"

#include <algorithm>
#include <unordered_map>

#include "generators/transport/tcp_path_info_json.h"
#include "harness/results/tcp_summary.h"

namespace fabcheck::results {

using nlohmann::json;

namespace {

double us(double ns) { return ns / 1000.0; }

}  // namespace

json latencyUs(const measure::LatencyHistogram& h) {
  return json{{"count", h.count()},
              {"min", us(static_cast<double>(h.min()))},
              {"mean", us(h.mean())},
              {"stddev", us(h.stddev())},
              {"p50", us(static_cast<double>(h.percentile(50)))},
              {"p90", us(static_cast<double>(h.percentile(90)))},
              {"p99", us(static_cast<double>(h.percentile(99)))},
              {"p999", us(static_cast<double>(h.percentile(99.9)))},
              {"p9999", us(static_cast<double>(h.percentile(99.99)))},
              {"max", us(static_cast<double>(h.max()))}};
}

std::optional<measure::LatencyHistogram> mergeHistograms(const std::vector<const measure::LatencyHistogram*>& hs) {
  std::optional<measure::LatencyHistogram> out;
  for (const auto* h : hs) {
    if (!out) out.emplace(*h);
    else out->merge(*h);
  }
  return out;
}

namespace {

// Sums of what every flow of a size sent and received.
struct Totals {
  uint64_t sent = 0, send_error_packets = 0, received = 0, lost = 0, reordered = 0, duplicate = 0, late = 0;
  uint64_t measured_rx_bytes = 0, measured_rx_packets = 0, measured_tx_bytes = 0;
  uint64_t malformed = 0, corrupted = 0, truncated = 0, ce = 0;
  int64_t duration_ns = 0;
  double target_bps = 0;
};

Totals totalsOf(const Measurements& s) {
  Totals t;
  for (const auto& snd : s.senders) {
    t.sent += snd.packets;
    t.send_error_packets += snd.send_error_packets;
    t.measured_tx_bytes += snd.measured_bytes;
    t.duration_ns = std::max(t.duration_ns, snd.measured_ns);
    t.target_bps += snd.target_bps;
  }
  for (const auto& r : s.receivers) {
    t.received += r.sequence.received;
    t.lost += r.sequence.lost;
    t.reordered += r.sequence.reordered;
    t.duplicate += r.sequence.duplicate;
    t.late += r.sequence.late;
    t.measured_rx_bytes += r.measured_bytes;
    t.measured_rx_packets += r.measured_packets;
    t.malformed += r.malformed;
    t.corrupted += r.corrupted;
    t.truncated += r.truncated;
    t.ce += r.ce_marked;
  }
  for (const auto& p : s.pingpongs) {
    t.sent += p.sent;
    t.received += p.replies;
    t.lost += p.timeouts;
    t.duration_ns = std::max(t.duration_ns, p.measured_ns);
    t.measured_rx_packets += 2 * p.measured;
    t.measured_rx_bytes += 2 * p.measured * s.params.size_bytes;
    t.measured_tx_bytes += 2 * p.measured * s.params.size_bytes;
  }
  for (const auto& r : s.responders) t.malformed += r.malformed;
  // A message whose send failed left a gap in its flow's sequence: it is a send error, not
  // a message the fabric lost.
  t.lost -= std::min(t.lost, t.send_error_packets);
  return t;
}

double perSecond(double v, int64_t ns) { return ns > 0 ? v * 1e9 / static_cast<double>(ns) : 0.0; }

}  // namespace

namespace {

// The packet accounting and rates of every flow, summed.
void addTotals(const Measurements& s, const Totals& t, json& j) {
  j["pattern"] = patterns::toString(s.params.kind);
  j["size_bytes"] = s.params.size_bytes;
  j["flows"] = s.params.flows;
  j["bidirectional"] = s.params.bidirectional;
  j["duration_s"] = static_cast<double>(t.duration_ns) / 1e9;
  j["sent_packets"] = t.sent;
  j["send_error_packets"] = t.send_error_packets;
  j["received_packets"] = t.received;
  j["lost_packets"] = t.lost;
  j["loss_ratio"] = t.sent ? static_cast<double>(t.lost) / static_cast<double>(t.sent) : 0.0;
  j["reordered_packets"] = t.reordered;
  j["duplicate_packets"] = t.duplicate;
  j["late_packets"] = t.late;
  j["malformed_packets"] = t.malformed;
  j["corrupted_packets"] = t.corrupted;
  j["truncated_packets"] = t.truncated;
  j["ce_marked_packets"] = t.ce;
  j["throughput_gbps"] = perSecond(static_cast<double>(t.measured_rx_bytes) * 8, t.duration_ns) / 1e9;
  j["packet_rate_mpps"] = perSecond(static_cast<double>(t.measured_rx_packets), t.duration_ns) / 1e6;
  j["offered_gbps"] = perSecond(static_cast<double>(t.measured_tx_bytes) * 8, t.duration_ns) / 1e9;
  j["target_gbps"] = t.target_bps / 1e9;
  j["same_clock"] = s.same_clock;
}

// What the receivers saw beyond counts: DSCP, timestamps, one-way latency, round trips, and
// (with `bursts`) the bursts.
void addLatencies(const Measurements& s, const Totals& t, bool bursts, json& j) {
  int dscp = -1;
  transport::TimestampSource ts = transport::TimestampSource::kNone;
  std::vector<const measure::LatencyHistogram*> one_way, spread, completion;
  uint64_t bursts_seen = 0, bursts_incomplete = 0, bursts_sent = 0;
  for (const auto& r : s.receivers) {
    if (r.dscp_seen >= 0) dscp = r.dscp_seen;
    ts = std::max(ts, r.ts_source);
    if (r.one_way_ns) one_way.push_back(&*r.one_way_ns);
    if (r.burst_spread_ns) spread.push_back(&*r.burst_spread_ns);
    if (r.burst_completion_ns) completion.push_back(&*r.burst_completion_ns);
    bursts_seen += r.bursts_seen;
    bursts_incomplete += r.bursts_incomplete;
  }
  for (const auto& snd : s.senders) bursts_sent += snd.bursts;
  for (const auto& r : s.responders) if (r.one_way_ns) one_way.push_back(&*r.one_way_ns);
  j["dscp_received"] = dscp >= 0 ? json(dscp) : json(nullptr);
  j["timestamp_source"] = transport::toString(ts);

  if (!s.pingpongs.empty()) {
    std::vector<const measure::LatencyHistogram*> rtts;
    for (const auto& p : s.pingpongs) rtts.push_back(&p.rtt_ns);
    j["iterations"] = t.measured_rx_packets / 2;
    j["latency_us"] = latencyUs(*mergeHistograms(rtts));
    j["latency_kind"] = "rtt";
  }
  if (auto ow = mergeHistograms(one_way); ow && ow->count() > 0) j["one_way_latency_us"] = latencyUs(*ow);
  if (bursts) {
    j["bursts_sent"] = bursts_sent;
    j["bursts_received"] = bursts_seen;
    j["bursts_incomplete"] = bursts_incomplete;
    if (auto sp = mergeHistograms(spread); sp && sp->count() > 0) j["burst_spread_us"] = latencyUs(*sp);
    if (auto c = mergeHistograms(completion); c && c->count() > 0) j["burst_completion_us"] = latencyUs(*c);
  }
}

// per_flow, per_flow_throughput_gbps, jain_fairness and the summed intervals.
void addPerFlow(const Measurements& s, const Totals& t, const FlowInfo& flow_info, json& j) {
  json flows = json::array();
  std::vector<double> rates;
  std::vector<measure::IntervalSeries> series;
  std::unordered_map<uint32_t, const engine::SenderResult*> sender_of;  // by flow id; the last one wins
  sender_of.reserve(s.senders.size());
  for (const auto& x : s.senders) sender_of[x.flow_id] = &x;
  for (const auto& r : s.receivers) {
    series.push_back(r.series);
    const auto found = sender_of.find(r.flow_id);
    const engine::SenderResult* snd = found == sender_of.end() ? nullptr : found->second;
    const int64_t ns = snd ? snd->measured_ns : t.duration_ns;
    json f = {{"flow_id", r.flow_id},
                     {"sent_packets", snd ? snd->packets : 0},
                     {"received_packets", r.sequence.received},
                     {"lost_packets", r.sequence.lost - std::min(r.sequence.lost, snd ? snd->send_error_packets : 0)},
                     {"reordered_packets", r.sequence.reordered},
                     {"duplicate_packets", r.sequence.duplicate},
                     {"throughput_gbps", perSecond(static_cast<double>(r.measured_bytes) * 8, ns) / 1e9},
                     {"offered_gbps", snd ? snd->achieved_bps / 1e9 : 0.0},
                     {"target_gbps", snd ? snd->target_bps / 1e9 : 0.0},
                     {"send_errors", snd ? snd->send_errors : 0},
                     {"send_error_packets", snd ? snd->send_error_packets : 0}};
    if (snd && snd->tcp) f["tcp"] = transport::tcpPathInfoToJson(snd->tcp);
    rates.push_back(f["throughput_gbps"].get<double>());
    if (flow_info) f.update(flow_info(r.flow_id));
    flows.push_back(std::move(f));
  }
  j["per_flow"] = flows;
  if (!rates.empty()) {
    double sum = 0, sq = 0;
    for (double x : rates) {
      sum += x;
      sq += x * x;
    }
    j["per_flow_throughput_gbps"] = {{"min", *std::min_element(rates.begin(), rates.end())},
                                     {"max", *std::max_element(rates.begin(), rates.end())},
                                     {"mean", sum / static_cast<double>(rates.size())}};
    if (rates.size() >= 2) j["jain_fairness"] = sq > 0 ? sum * sum / (static_cast<double>(rates.size()) * sq) : 1.0;
  }
  if (!series.empty()) j["intervals"] = measure::IntervalSeries::mergeSum(series).toJson();
}

}  // namespace

json summarize(const Measurements& s, const SummaryParts& parts, const FlowInfo& flow_info) {
  const Totals t = totalsOf(s);
  json j;
  addTotals(s, t, j);
  addLatencies(s, t, parts.bursts, j);
  addPerFlow(s, t, flow_info, j);
  std::vector<transport::TcpPathInfo> tcp;
  for (const auto& x : s.senders) if (x.tcp) tcp.push_back(*x.tcp);
  for (const auto& x : s.pingpongs) if (x.tcp) tcp.push_back(*x.tcp);
  for (const auto& x : s.responders) if (x.tcp) tcp.push_back(*x.tcp);
  if (!tcp.empty()) j["tcp"] = summarizeTcp(tcp);
  return j;
}

json summarize(const Measurements& s, const FlowInfo& flow_info) {
  return summarize(s, SummaryParts{.bursts = patterns::roleFor(s.params.kind) == patterns::FlowRole::kBurst}, flow_info);
}

}  // namespace fabcheck::results
