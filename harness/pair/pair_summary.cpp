#include "harness/pair/pair_summary.h"

#include <fmt/format.h>

#include <algorithm>

#include "generators/core/version.h"

namespace fabcheck::pair {
namespace {

using nlohmann::json;

double us(double ns) { return ns / 1000.0; }

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

std::optional<measure::LatencyHistogram> mergeAll(const std::vector<const measure::LatencyHistogram*>& hs) {
  std::optional<measure::LatencyHistogram> out;
  for (const auto* h : hs) {
    if (!out) out.emplace(*h);
    else out->merge(*h);
  }
  return out;
}

// Sums of what every flow of a size sent and received.
struct Totals {
  uint64_t sent = 0, received = 0, lost = 0, reordered = 0, duplicate = 0, late = 0;
  uint64_t measured_rx_bytes = 0, measured_rx_packets = 0, measured_tx_bytes = 0;
  uint64_t malformed = 0, corrupted = 0, truncated = 0, ce = 0;
  int64_t duration_ns = 0;
  double target_bps = 0;
};

Totals totalsOf(const SizeResult& s) {
  Totals t;
  for (const auto& snd : s.senders) {
    t.sent += snd.packets;
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
  return t;
}

double perSecond(double v, int64_t ns) { return ns > 0 ? v * 1e9 / static_cast<double>(ns) : 0.0; }

}  // namespace

json summarizeSize(const SizeResult& s, const PairRun& run) {
  const Totals t = totalsOf(s);
  json j;
  j["pattern"] = patterns::toString(s.params.kind);
  j["transport"] = run.transport;
  j["size_bytes"] = s.params.size_bytes;
  j["flows"] = s.params.flows;
  j["bidirectional"] = s.params.bidirectional;
  j["duration_s"] = static_cast<double>(t.duration_ns) / 1e9;
  j["sent_packets"] = t.sent;
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

  int dscp = -1;
  transport::TimestampSource ts = transport::TimestampSource::kNone;
  std::vector<const measure::LatencyHistogram*> one_way, spread, completion;
  std::vector<measure::IntervalSeries> series;
  uint64_t bursts_seen = 0, bursts_incomplete = 0, bursts_sent = 0;
  for (const auto& r : s.receivers) {
    if (r.dscp_seen >= 0) dscp = r.dscp_seen;
    ts = std::max(ts, r.ts_source);
    if (r.one_way_ns) one_way.push_back(&*r.one_way_ns);
    if (r.burst_spread_ns) spread.push_back(&*r.burst_spread_ns);
    if (r.burst_completion_ns) completion.push_back(&*r.burst_completion_ns);
    series.push_back(r.series);
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
    j["latency_us"] = latencyUs(*mergeAll(rtts));
    j["latency_kind"] = "rtt";
  }
  if (auto ow = mergeAll(one_way); ow && ow->count() > 0) j["one_way_latency_us"] = latencyUs(*ow);
  if (s.params.kind == patterns::PatternKind::kMicroburst) {
    j["bursts_sent"] = bursts_sent;
    j["bursts_received"] = bursts_seen;
    j["bursts_incomplete"] = bursts_incomplete;
    if (auto sp = mergeAll(spread); sp && sp->count() > 0) j["burst_spread_us"] = latencyUs(*sp);
    if (auto c = mergeAll(completion); c && c->count() > 0) j["burst_completion_us"] = latencyUs(*c);
  }

  json flows = json::array();
  for (const auto& r : s.receivers) {
    const engine::SenderResult* snd = nullptr;
    for (const auto& x : s.senders) if (x.flow_id == r.flow_id) snd = &x;
    const int64_t ns = snd ? snd->measured_ns : t.duration_ns;
    flows.push_back({{"flow_id", r.flow_id},
                     {"direction", r.flow_id < s.params.flows ? "client-to-server" : "server-to-client"},
                     {"sent_packets", snd ? snd->packets : 0},
                     {"received_packets", r.sequence.received},
                     {"lost_packets", r.sequence.lost},
                     {"reordered_packets", r.sequence.reordered},
                     {"duplicate_packets", r.sequence.duplicate},
                     {"throughput_gbps", perSecond(static_cast<double>(r.measured_bytes) * 8, ns) / 1e9},
                     {"offered_gbps", snd ? snd->achieved_bps / 1e9 : 0.0},
                     {"target_gbps", snd ? snd->target_bps / 1e9 : 0.0},
                     {"send_errors", snd ? snd->send_errors : 0}});
  }
  j["per_flow"] = flows;
  if (!series.empty()) j["intervals"] = measure::IntervalSeries::mergeSum(series).toJson();
  return j;
}

json summarizeRun(const PairRun& run) {
  if (run.sizes.size() == 1 && !run.interrupted) return summarizeSize(run.sizes[0], run);
  json j;
  j["pattern"] = run.sizes.empty() ? "" : std::string(patterns::toString(run.sizes[0].params.kind));
  j["transport"] = run.transport;
  j["fabcheck_version"] = kVersion;
  j["interrupted"] = run.interrupted;
  json sweep = json::array();
  for (const auto& s : run.sizes) sweep.push_back(summarizeSize(s, run));
  j["sweep"] = sweep;
  return j;
}

std::string tableHeader(const PairRun& run, patterns::PatternKind kind) {
  std::string h = fmt::format("# fabcheck {} gen: {} over {}, {} -> {}\n", kVersion, patterns::toString(kind),
                              run.transport, run.client_host, run.server_host);
  if (kind == patterns::PatternKind::kPingpong) {
    h += fmt::format("{:>9} {:>12} {:>11} {:>11} {:>11} {:>11} {:>11} {:>11} {:>11} {:>8}\n", "#bytes",
                     "#iterations", "t_min[us]", "t_avg[us]", "p50[us]", "p99[us]", "p99.9[us]", "t_max[us]",
                     "t_stdev[us]", "#lost");
  } else {
    h += fmt::format("{:>9} {:>7} {:>14} {:>14} {:>10} {:>9} {:>17} {:>14}\n", "#bytes", "#flows", "#sent",
                     "#received", "#lost", "loss[%]", "BW average[Gb/s]", "MsgRate[Mpps]");
  }
  return h;
}

std::string tableRow(const SizeResult& s) {
  PairRun dummy;
  const json j = summarizeSize(s, dummy);
  if (s.params.kind == patterns::PatternKind::kPingpong) {
    const json& l = j.at("latency_us");
    return fmt::format("{:>9} {:>12} {:>11.2f} {:>11.2f} {:>11.2f} {:>11.2f} {:>11.2f} {:>11.2f} {:>11.2f} {:>8}\n",
                       s.params.size_bytes, j.at("iterations").get<uint64_t>(), l.at("min").get<double>(),
                       l.at("mean").get<double>(), l.at("p50").get<double>(), l.at("p99").get<double>(),
                       l.at("p999").get<double>(), l.at("max").get<double>(), l.at("stddev").get<double>(),
                       j.at("lost_packets").get<uint64_t>());
  }
  std::string row = fmt::format("{:>9} {:>7} {:>14} {:>14} {:>10} {:>9.4f} {:>17.3f} {:>14.4f}\n", s.params.size_bytes,
                                s.params.flows * (s.params.bidirectional ? 2 : 1), j.at("sent_packets").get<uint64_t>(),
                                j.at("received_packets").get<uint64_t>(), j.at("lost_packets").get<uint64_t>(),
                                j.at("loss_ratio").get<double>() * 100, j.at("throughput_gbps").get<double>(),
                                j.at("packet_rate_mpps").get<double>());
  if (j.at("target_gbps").get<double>() > 0) {
    row += fmt::format("{:>9} target {:.3f} Gb/s, offered {:.3f} Gb/s\n", "", j.at("target_gbps").get<double>(),
                       j.at("offered_gbps").get<double>());
  }
  if (j.contains("burst_spread_us")) {
    row += fmt::format("{:>9} bursts sent {} received {} incomplete {}; arrival spread p50 {:.1f} us p99 {:.1f} us", "",
                       j.at("bursts_sent").get<uint64_t>(), j.at("bursts_received").get<uint64_t>(),
                       j.at("bursts_incomplete").get<uint64_t>(), j.at("burst_spread_us").at("p50").get<double>(),
                       j.at("burst_spread_us").at("p99").get<double>());
    if (j.contains("burst_completion_us")) {
      row += fmt::format("; completion p50 {:.1f} us p99 {:.1f} us", j.at("burst_completion_us").at("p50").get<double>(),
                         j.at("burst_completion_us").at("p99").get<double>());
    }
    row += "\n";
  }
  return row;
}

}  // namespace fabcheck::pair
