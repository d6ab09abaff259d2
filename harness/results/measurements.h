// Everything the engines measured for one test (or one message size of a pair run), and the
// flat summary people and programs read. Shared by `fabcheck gen` and the distributed runner.
//
// Metric definitions (the summary's keys):
//   sent_packets / received_packets / lost_packets / reordered_packets / duplicate_packets /
//     late_packets: every message of the test, warm-up included (loss is loss whenever it
//     happens); loss_ratio = lost / sent (0 when nothing was sent).
//   duration_s: the measured phase (after warm-up) as the senders ran it (the longest flow).
//   throughput_gbps / packet_rate_mpps: what receivers accounted in the measured phase over
//     duration_s, all flows summed. Pingpong: messages both ways.
//   offered_gbps: what senders put on the wire in the measured phase; target_gbps the pacers' target.
//   per_flow_throughput_gbps {min, max, mean}: over receiving flows; jain_fairness: Jain's index
//     (Σx)² / (n·Σx²) over the flows' throughputs (1 = perfectly fair; absent with < 2 flows).
//   latency_us {count, min, mean, stddev, p50, p90, p99, p999, p9999, max} (pingpong): round
//     trip, application to application. one_way_latency_us: only when the clocks of both ends
//     are known (same kernel, or offsets measured; see one_way_bound_us).
//   bursts_sent / bursts_received / bursts_incomplete, burst_spread_us, burst_completion_us
//     (microburst).
//   per_flow: one object per receiving flow (flow_id, sent/received/lost/reordered/duplicate
//     packets, throughput/offered/target Gbit/s, send_errors, and what `flow_info` adds).
//   intervals: receivers' throughput over time, summed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "generators/engine/flow_results.h"
#include "generators/patterns/pattern.h"

namespace fabcheck::results {

struct Measurements {
  patterns::PatternParams params;
  bool same_clock = false;                       // one-way latency valid (one clock, or offsets applied)
  std::vector<engine::SenderResult> senders;     // by flow id
  std::vector<engine::ReceiverResult> receivers; // by flow id
  std::vector<engine::PingpongResult> pingpongs;
  std::vector<engine::ResponderResult> responders;
};

// Extra fields for a flow's per_flow object (e.g. its direction, or sender/receiver host).
using FlowInfo = std::function<nlohmann::json(uint32_t flow_id)>;

// Which optional parts a summary has (a pattern's metric groups decide; harness/patterns/).
struct SummaryParts {
  bool bursts = false;  // bursts_sent/received/incomplete, burst_spread_us, burst_completion_us
};

nlohmann::json summarize(const Measurements& m, const SummaryParts& parts, const FlowInfo& flow_info = {});
// The parts the flows' role implies (bursts for burst flows, i.e. microburst).
nlohmann::json summarize(const Measurements& m, const FlowInfo& flow_info = {});

// All of `hs` merged into one; empty when `hs` is.
std::optional<measure::LatencyHistogram> mergeHistograms(const std::vector<const measure::LatencyHistogram*>& hs);

// {count, min, mean, stddev, p50, p90, p99, p999, p9999, max} in microseconds.
nlohmann::json latencyUs(const measure::LatencyHistogram& h);

}  // namespace fabcheck::results
