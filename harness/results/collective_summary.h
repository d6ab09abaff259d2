// A collective test's results in its JSON record (docs/results.md "collective") and its
// metrics (docs/metrics.md "Collectives"), from every rank's result at every size.
//
//   record["collective"] = {kind, algorithm (what the ranks' schedules ran: "ring", "pipeline",
//     "tree", ...; CollectiveSchedule::algorithmRun()), algorithm_requested (the suite's),
//     ranks, ranks_per_node, channels, chunk_bytes, iterations,
//     warmup_iterations, link_rate_gbps (null: unpaced), ranks_of: [{rank, agent, host}],
//     sizes: [one per size that ran, in sweep order: engine::CollectiveMetrics' JSON
//       (size_bytes, time_us, algbw_gbytes_s, busbw_gbytes_s (GB/s, as nccl-tests), p50_us, p99_us,
//       cv, slowest_rank, slowest_step..., straggler..., retransmissions, ...) plus
//       per_rank: [{rank, agent, mean_iteration_us, bytes_sent, bytes_received,
//                   retransmissions, timeouts, error}],
//       links: [{from, to, channel, gbit_s, bytes, retransmissions, timeouts, fast_retransmits,
//                send_errors; from the receiver: out_of_order, duplicates, corrupted_bytes,
//                malformed}] (each link once)],
//     straggler: the largest size's straggler {rank, agent, host, host_link ("h17 ↔
//       leaf3:Ethernet12" when its switch port is known, topology.h; else the host), link_from,
//       link_to, gbit_s, median_gbit_s, text (each rank with its switch port when known)} or null}
//   record["metrics"]["collective"] = {busbw_gbytes_s, algbw_gbytes_s, time_us, p50_us, p99_us, cv: at
//     the largest size that ran; avg_busbw_gbytes_s: the mean over sizes (nccl-tests' "Avg bus
//     bandwidth"); min_busbw_gbytes_s; sizes; retransmissions, timeouts, corrupted_bytes: summed
//     over sizes; stragglers: sizes with a straggler link; straggler_links (largest size)}
// (the runner then adds the line-rate figures: collective_line_rate.h).
// Nothing is added when the test is not a collective or no size produced a measurement, so an
// SLO on a missing metric is skipped, never passed.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "harness/model/agent_info.h"
#include "harness/model/test_outcome.h"

namespace fabcheck::results {

void addCollective(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents,
                   nlohmann::json& record);

}  // namespace fabcheck::results
