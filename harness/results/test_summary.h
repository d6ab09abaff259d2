// A distributed test's outcome as a JSON object, for reports and the console.
//
//   {name, pattern, placement, transport, participants: [agent ids], rounds, error (null when the
//    test ran), start_skew_us / start_skew_bound_us (null with < 2 senders), clock_steps (only
//    when an agent's realtime clock stepped beyond the bound: [{agent, host, step_ns, bound_ns}]), metrics: the flat
//    summary of results/measurements.h (per_flow entries carry sender/receiver agent ids and
//    hosts), matrix (placement matrix only): {agents: [agent labels], latency_us_p50 /
//    throughput_gbps: n×n arrays of the first pass, null where no flow ran, first_pass and
//    outliers (matrix_outliers.h)}}
// A collective test has pattern "collective", its metrics under metrics.collective and the
// per-size, per-rank and per-link detail in `collective` (collective_summary.h); it carries no
// flow metrics.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/model/agent_info.h"
#include "harness/model/test_outcome.h"
#include "harness/results/measurements.h"

namespace fabcheck::results {

// {id, host, version, pid, peer, boot_id, kernel, clock_source, rdma_devices, interfaces, switch,
// switch_port, topology_source, topology_note (topology.h; null when not known), clock_offset_ns, offset_bound_ns (null: unmeasured), lost, lost_reason}
nlohmann::json agentJson(const model::AgentInfo& a);

// The host agent `id` registered from; "?" for an id the run does not have.
std::string agentHost(const std::vector<model::AgentInfo>& agents, int id);

// The outcome's figures (the probe of a latency-under-load test left out). An errored test keeps
// only the stream flows both ends of which reported (a flow whose receiver was lost measured
// nothing); summarizeTest() then says how many it left out ("flows_unmeasured") and, with none
// measured, leaves the packet metrics absent (metrics_missing) instead of reporting 0 loss.
Measurements measurementsOf(const model::TestOutcome& t);
// The test's record; its pattern (suite::patternFor, harness/suite/pattern_registry.h) writes
// pattern, placement, metrics and its own parts.
nlohmann::json summarizeTest(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents);

// For the patterns' summarize(): a flow test's metrics (summarize() over measurementsOf(t),
// per_flow entries with sender/receiver agents and hosts) ...
nlohmann::json flowMetrics(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents,
                           const SummaryParts& parts);
// ... and, for placement matrix, record["matrix"] with its outliers (matrix_outliers.h).
void addMatrix(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents, nlohmann::json& record);

}  // namespace fabcheck::results
