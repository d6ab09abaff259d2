// The counters of a distributed test in its JSON record (docs/results.md "counters") and its
// flat counter metrics (docs/metrics.md "Counters").
//
//   record["counters"]: counter_record.h (the counters that moved, per counted host; every
//     agent's whole snapshot only with counters: {snapshots: full});
//   metrics: "fabric.*" from the fabric's counters; "host.*", "rdma.*", "nic.*" summed over the
//     participants' hosts, each network namespace of each host counted once (agents sharing a
//     host read the same counters). A metric is present only when every counted host has it:
//     a partial sum would understate, and an absent metric skips its SLO.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "harness/model/agent_info.h"
#include "harness/model/test_outcome.h"

namespace fabcheck::results {

void addCounters(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents,
                 nlohmann::json& record);

}  // namespace fabcheck::results
