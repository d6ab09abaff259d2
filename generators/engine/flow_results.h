// Plain value types for what one side of one flow measured, and their JSON form.
//
// A sender knows what it sent; a receiver what arrived; a pingpong initiator the round trips.
// They cross the control channel as JSON (to_json/from_json; from_json throws ProtocolError on
// malformed input) and are combined into a test's report by the harness.
// Times: *_mono_ns are the local CLOCK_MONOTONIC; latencies are in ns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "generators/measure/histogram.h"
#include "generators/measure/interval_series.h"
#include "generators/measure/sequence_tracker.h"
#include "generators/transport/transport.h"

namespace fabcheck::engine {

struct SenderResult {
  uint32_t flow_id = 0;
  uint64_t packets = 0;            // every message sent, warm-up included (failed sends not)
  uint64_t bytes = 0;
  uint64_t measured_packets = 0;   // sent in the measured phase
  uint64_t measured_bytes = 0;
  int64_t measured_ns = 0;         // length of the measured phase as the sender ran it
  double target_bps = 0;           // 0 = unlimited
  double target_pps = 0;
  double achieved_bps = 0;         // measured_bytes*8 / measured_ns, and the pacer's view of it
  double achieved_pps = 0;
  uint64_t bursts = 0;             // microburst: bursts started
  int64_t first_send_wall_ns = 0;  // CLOCK_REALTIME of the first message (start skew across senders)
  uint64_t send_errors = 0;        // ops that completed with an error
  uint64_t send_error_packets = 0; // messages of those ops that did not go out (not in packets)
  uint64_t backpressure = 0;       // post calls that accepted fewer ops than offered
  std::string error;               // first data-path error ("" if none)
  std::optional<transport::TcpPathInfo> tcp;  // the kernel's TCP facts at the end (tcp transport)
};

struct ReceiverResult {
  uint32_t flow_id = 0;
  measure::SequenceCounts sequence;  // received / lost / reordered / duplicate / late
  uint64_t bytes = 0;              // every well-formed byte received (duplicates included)
  uint64_t measured_packets = 0;   // unique-or-not messages of the measured phase
  uint64_t measured_bytes = 0;
  int64_t first_rx_mono_ns = 0;    // first / last measured arrival (local clock)
  int64_t last_rx_mono_ns = 0;
  uint64_t malformed = 0;          // too short, foreign magic/version, other flow id, wrong size
  uint64_t corrupted = 0;          // payload check failed
  uint64_t truncated = 0;          // larger than the receive buffer
  uint64_t ce_marked = 0;          // arrived with ECN CE
  int dscp_seen = -1;              // DSCP of the last message with a known TOS (-1: unknown)
  transport::TimestampSource ts_source = transport::TimestampSource::kNone;
  // One-way latency (rx timestamp − sender's timestamp); only when both ends share a clock.
  std::optional<measure::LatencyHistogram> one_way_ns;
  measure::IntervalSeries series;  // measured throughput over time
  // Microburst: bursts seen, bursts with a missing message, spread of each burst at the
  // receiver (first → last arrival), and completion (burst's first send → last arrival; one
  // clock only).
  uint64_t bursts_seen = 0;
  uint64_t bursts_incomplete = 0;
  std::optional<measure::LatencyHistogram> burst_spread_ns;
  std::optional<measure::LatencyHistogram> burst_completion_ns;
  std::string error;               // first data-path error, in the transport's words ("" if none)
};

struct PingpongResult {
  uint32_t flow_id = 0;
  uint64_t sent = 0;               // pings sent, warm-up included
  uint64_t replies = 0;            // matching replies within the timeout
  uint64_t timeouts = 0;           // pings whose reply did not come in time (lost)
  uint64_t stray = 0;              // late or unexpected replies
  uint64_t measured = 0;           // round trips recorded in rtt_ns
  int64_t measured_ns = 0;         // length of the measured phase
  measure::LatencyHistogram rtt_ns;
  // Reverse direction one-way latency (responder's send → our arrival), one clock only.
  std::optional<measure::LatencyHistogram> one_way_ns;
  std::string error;               // why the run stopped early ("" if it did not)
  std::optional<transport::TcpPathInfo> tcp;  // the initiator's connection (tcp transport)
};

struct ResponderResult {
  uint32_t flow_id = 0;
  uint64_t echoed = 0;
  uint64_t malformed = 0;
  std::optional<measure::LatencyHistogram> one_way_ns;  // forward direction, one clock only
  int dscp_seen = -1;              // DSCP of the last ping with a known TOS (-1: unknown)
  std::optional<transport::TcpPathInfo> tcp;  // the responder's connection (tcp transport)
};

void to_json(nlohmann::json& j, const SenderResult& r);
void from_json(const nlohmann::json& j, SenderResult& r);
void to_json(nlohmann::json& j, const ReceiverResult& r);
void from_json(const nlohmann::json& j, ReceiverResult& r);
void to_json(nlohmann::json& j, const PingpongResult& r);
void from_json(const nlohmann::json& j, PingpongResult& r);
void to_json(nlohmann::json& j, const ResponderResult& r);
void from_json(const nlohmann::json& j, ResponderResult& r);

}  // namespace fabcheck::engine
