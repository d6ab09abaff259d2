// Internal to the suite loader: a test's `counters:` key into t.spec.counters (model::CounterSpec).
//
//   counters:
//     interval: 100ms            # sampling through the test; `off` (or 0) = before and after only
//     storm_duty: 0.8            # PFC storm: pause duty at or above this (0 < x <= 1) ...
//     storm_min_duration: 200ms  # ... for at least this long ...
//     storm_idle_tx_pps: 100     # ... while the priority sends fewer packets/s than this
//     lossless_priorities: [3]   # the lossless verdict's classes (default: every priority)
//     snapshots: deltas          # the record keeps the counters that moved, per host; `full`: also
//                                # every agent's counters whole (results/counter_record.h)
//
// Contract: every bad value is one Diagnostic at its position, never an exception; unknown keys
// suggest the nearest. `defaults:` may give it (then every test inherits it whole). Docs: docs/suites.md.
#pragma once

#include "harness/suite/suite.h"
#include "harness/suite/suite_reader.h"

namespace fabcheck::suite::detail {

void loadCounterKeys(SuiteReader& r, const Val& v, SuiteTest& t);

}  // namespace fabcheck::suite::detail
