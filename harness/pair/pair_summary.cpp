#include "harness/pair/pair_summary.h"

#include <fmt/format.h>

#include <algorithm>

#include "generators/core/version.h"

namespace fabcheck::pair {
namespace {

using nlohmann::json;

// A one-sided run is measured at the initiator (ib_write_bw): its throughput is what completed
// there; the receiver-side keys would read as zeros and are left out.
void oneSidedFigures(const SizeResult& s, json& j) {
  for (const char* k : {"received_packets", "lost_packets", "loss_ratio", "reordered_packets", "duplicate_packets",
                        "late_packets", "malformed_packets", "corrupted_packets", "truncated_packets",
                        "ce_marked_packets", "dscp_received", "timestamp_source"}) {
    j.erase(k);
  }
  uint64_t bytes = 0, ops = 0;
  int64_t longest = 0;
  for (const auto& r : s.one_sided) {
    bytes += r.bytes;
    ops += r.ops;
    longest = std::max(longest, r.elapsed_ns);
  }
  j["measured_at"] = "initiator";
  j["duration_s"] = static_cast<double>(longest) / 1e9;
  j["throughput_gbps"] = longest > 0 ? static_cast<double>(bytes) * 8 / static_cast<double>(longest) : 0.0;
  j["packet_rate_mpps"] = longest > 0 ? static_cast<double>(ops) * 1e3 / static_cast<double>(longest) : 0.0;
}

}  // namespace

json summarizeSize(const SizeResult& s, const PairRun& run) {
  json j = results::summarize(s, [&](uint32_t flow_id) {
    return json{{"direction", flow_id < s.params.flows ? "client-to-server" : "server-to-client"}};
  });
  j["transport"] = run.transport;
  if (!s.verb.empty()) j["verb"] = s.verb;
  if (!run.properties.caveat.empty()) j["caveat"] = run.properties.caveat;
  if (!s.one_sided.empty()) oneSidedFigures(s, j);
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
  std::string tcp;  // the kernel's TCP facts, under the row
  if (j.contains("tcp")) {
    const json& t = j.at("tcp");
    tcp = fmt::format("{:>9} tcp: {} of {} segments retransmitted ({} spurious by D-SACK), rtt {:.0f} us\n", "",
                      t.at("retransmitted_segments").get<uint64_t>(), t.at("segments_sent").get<uint64_t>(),
                      t.at("spurious_retransmissions").get<uint64_t>(), t.at("rtt_us").at("mean").get<double>());
  }
  if (s.params.kind == patterns::PatternKind::kPingpong) {
    const json& l = j.at("latency_us");
    return fmt::format("{:>9} {:>12} {:>11.2f} {:>11.2f} {:>11.2f} {:>11.2f} {:>11.2f} {:>11.2f} {:>11.2f} {:>8}\n",
                       s.params.size_bytes, j.at("iterations").get<uint64_t>(), l.at("min").get<double>(),
                       l.at("mean").get<double>(), l.at("p50").get<double>(), l.at("p99").get<double>(),
                       l.at("p999").get<double>(), l.at("max").get<double>(), l.at("stddev").get<double>(),
                       j.at("lost_packets").get<uint64_t>()) +
           tcp;
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
  return row + tcp;
}

}  // namespace fabcheck::pair
