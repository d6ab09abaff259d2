// The JSON form of counter deltas and snapshots in reports (stable; documented in
// docs/metrics.md "Counters").
//
// deltasToJson(CounterDeltas):
//   {"source": "qdisc", "interval_ns": 1000000000,
//    "unavailable_reason": "...",            // only when the source had nothing to read
//    "error": "...",                          // only when reading it failed
//    "notes": ["..."],                        // only when something was skipped
//    "counters": [
//      {"name": "drops", "labels": {"dev": "veth1", "host": "n1", ...}, "delta": 12},
//      {"name": "rx_bytes", "labels": {...}, "delta": 5, "status": "wrapped"},
//      {"name": "symbol_error", "labels": {...}, "status": "saturated", "before": 65535, "after": 65535},
//      {"name": "backlog", "labels": {...}, "status": "gauge", "after": 3000},
//      {"name": "rx_prio3_pause", "labels": {...}, "status": "appeared", "after": 17}]}
// "delta" is present exactly when it is known (status ok or wrapped); "status" is omitted when
// ok; "before"/"after" are present for every status other than ok and wrapped (when they exist).
// snapshotToJson: {"source", "unavailable_reason"?, "notes"?, "counters": [{"name","labels","value"}]}.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "harness/counters/counter_delta.h"

namespace fabcheck::counters {

nlohmann::json deltasToJson(const CounterDeltas& deltas);
nlohmann::json snapshotToJson(const std::string& source, const CounterSnapshot& snap, const std::string& unavailable_reason);

}  // namespace fabcheck::counters
