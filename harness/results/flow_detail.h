// A test's flows at scale (issue 18): what every flow did in a few numbers, and which flows the
// record keeps in metrics.per_flow (the suite's `report:` key, suite.h ReportSettings).
//
// keepFlows(record, settings) ranks the flows of record.metrics.per_flow worst first — the
// highest loss ratio (lost / (received + lost)), then the lowest throughput relative to its
// target (its throughput when it had none), then the lowest flow id — and
//   - adds record["flows"] (flowSummary below),
//   - with per_flow "all", or "auto" and at most inline_flows flows, leaves per_flow as it was;
//     else keeps in per_flow only the `worst_flows` worst, worst first;
//   - returns every flow (the per_flow it found) when settings.flows_sidecar, for the sidecar;
//     else an empty array.
// A record without a non-empty per_flow array is left as it is and gives an empty array.
//
// flowSummary: {"count": flows, "kept": "all" | "worst", "kept_count": entries in per_flow,
//   "throughput_gbps": {min, p50, p99, max}, "loss_ratio": {min, p50, p99, max} (nearest rank),
//   "worst": [{flow_id, sender_agent, receiver_agent, sender_host, receiver_host, by: "loss" | "throughput", loss_ratio,
//              throughput_gbps}] — the worst_flows worst, at most 5 here (per_flow has the rest),
//   "worst_hosts": [{host, flows}] — hosts in 2 or more of the worst_flows worst flows, the most
//              first, at most 5}.
// Flows carry no latency of their own (the test's latency_us/one_way_latency_us are over all
// flows), so the summary has none.
#pragma once

#include <nlohmann/json.hpp>

#include "harness/suite/suite.h"

namespace fabcheck::results {

nlohmann::json keepFlows(nlohmann::json& record, const suite::ReportSettings& settings);

}  // namespace fabcheck::results
