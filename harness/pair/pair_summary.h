// Turns a pair run into what people and programs read: flat metrics per message size (the
// `--json` object), and a perftest-like table.
//
// Metric definitions (documented here, used in both outputs):
//   sent_packets / received_packets / lost / reordered / duplicate: every message of the test,
//     warm-up included (loss is loss whenever it happens); loss_ratio = lost / sent.
//   duration_s: the measured phase (after warm-up) as the senders ran it.
//   throughput_gbps / packet_rate_mpps: what receivers accounted in the measured phase,
//     over duration_s (both directions summed for --bidir). Pingpong: messages both ways.
//   offered_gbps: what senders put on the wire in the measured phase; target_gbps the pacer's target.
//   latency_us (pingpong): round trip, application to application. one_way_latency_us: only
//     when both ends share a clock (same kernel).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "harness/pair/pair_types.h"

namespace fabcheck::pair {

nlohmann::json summarizeSize(const SizeResult& size, const PairRun& run);
// One object for a single size; {"pattern", "transport", ..., "sweep": [per-size objects]} for several.
nlohmann::json summarizeRun(const PairRun& run);

std::string tableHeader(const PairRun& run, patterns::PatternKind kind);
std::string tableRow(const SizeResult& size);

}  // namespace fabcheck::pair
