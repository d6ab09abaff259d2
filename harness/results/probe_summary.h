// Latency under load: the metrics of a test's pingpong probe (model::ProbeSpec), beside
// the load's own. The probe is the flow of the plan that carries its own parameters; its
// results are kept out of the load's measurements (results::measurementsOf).
//
// Keys added to a test's metrics (docs/metrics.md):
//   latency_us {count, min, mean, stddev, p50, p90, p99, p999, p9999, max}: the probe's round
//     trip while the load ran; idle_latency_us: the same, measured alone just before the load;
//   latency_increase_us {p50, p90, p99, p999, max}: loaded − idle, per statistic;
//   probe {size_bytes, dscp (null: the test's), dscp_received (the DSCP the responder saw on
//     the pings; null: unknown), sender_agent, receiver_agent, sent_packets,
//     lost_packets (no reply in time), iterations, idle_iterations}.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "harness/model/agent_info.h"
#include "harness/model/test_outcome.h"

namespace fabcheck::results {

// Whether flow `flow_id` of the test is its probe.
bool isProbeFlow(const model::TestOutcome& t, uint32_t flow_id);

// Adds the probe's metrics to `metrics`; nothing when the test has no probe.
void addProbeMetrics(const model::TestOutcome& t, nlohmann::json& metrics);

}  // namespace fabcheck::results
