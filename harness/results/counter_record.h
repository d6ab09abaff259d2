// The counters of a distributed test as its JSON record keeps them (docs/results.md "counters"):
// small at thousands of hosts, because the test's metrics already carry every sum.
//
//   {"fabric": the fabric's counters with only the counters that moved (null: none read),
//    "hosts": [{"host": name, "agents": [ids reading these counters], "netns": ...,
//               "metrics": {only the non-zero ones}, "sources": [only counters whose delta is not 0
//               or whose status is not ok; sources left empty dropped], and "contributors",
//               "series", "replayed_from" as the agent sent them}],  — one per counted host
//    "missing": {reason: {"metrics": [names], "hosts": [names]}}  — every host's absent metrics,
//               grouped by reason (at 4096 hosts one entry, not 4096 copies)
//    "agents": {id: that agent's counters whole}}  — only with full snapshots (counters:
//               {snapshots: full} in the suite)
//
// Contract: counterRecord() never drops a counter that moved or a metric above 0; a source's
// unavailable_reason and error stay with it when it has nothing else.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "harness/model/test_outcome.h"
#include "harness/results/counted_hosts.h"

namespace fabcheck::results {

nlohmann::json counterRecord(const model::TestOutcome& t, const std::vector<CountedHost>& hosts, bool full_snapshots);

// The non-zero part of one CountersAround::end() object (or the fabric's): metrics above 0,
// sources with the counters that moved. Exposed for tests.
nlohmann::json movedCounters(const nlohmann::json& counters);

}  // namespace fabcheck::results
