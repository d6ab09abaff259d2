// The NIC verdicts of a test, from the participants' host counters and their sampled series
// (docs/results.md "nic", docs/metrics.md "PFC, lossless, ECN"):
//
//   record["nic"] = {
//     "lossless": {"known", "ok", "violations": [...], "checked": [...], "not_checked": [...],
//                  "why_unknown"?},
//     "pfc_storms": [{"host", "nic", "priority", "start_s", "duration_ms", "max_duty"}],
//     "pause": [{"host", "nic", "priority", "max_duty", "rx_frames", "tx_frames",
//                "t_s": [...], "duty": [...], "rx_frames_per_s": [...], "tx_frames_per_s": [...]}],
//     "ecn": {"marked", "cnp_sent", "cnp_handled", "cnp_per_mark"?, "handled_per_cnp"?,
//             "consistent", "problems": [...]} (only when the three counters were read),
//     "notes": [...]}
//   t_s / start_s are seconds from the host's first sample (the test's start).
//
// Metrics (under record["metrics"]; each absent, with its reason in record["metrics_missing"],
// when its inputs were not read — never a zero in place of an unknown):
//   lossless.ok (1/0), lossless.violations; nic.pfc.storms, nic.pfc.max_pause_duty;
//   ecn.cnp_per_mark, ecn.handled_per_cnp, ecn.consistent (1/0);
//   kpi.packet_drop_rate_ppm, kpi.ecn_marking_ratio_pct, kpi.pfc_pause_rate_per_s
//   (the IETF BMWG AI-fabric draft's names for them: docs/metrics.md).
// Runs after addCounters() (counter_summary.h), whose host sums it reads.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "harness/model/agent_info.h"
#include "harness/model/test_outcome.h"

namespace fabcheck::results {

void addNicVerdicts(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents, nlohmann::json& record);

}  // namespace fabcheck::results
