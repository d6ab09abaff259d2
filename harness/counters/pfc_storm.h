// PFC storm evaluation (the rule of SONiC's PFC watchdog: pause duty >= 0.8 for >= 200 ms): a pure function
// over a time-ordered series of `ethtool` source snapshots of one or more NICs.
//
// For each NIC (labels minus the name) and priority p with a pause-duration counter
// (rx_prio{p}_pause_duration / pfc_pri{p}_rx_duration_us: time the peer kept p paused, µs):
// - per interval between consecutive snapshots, pause duty = Δpause_duration / Δt;
// - the interval is "stormy" when duty ≥ duty_threshold AND the priority transmitted ~nothing:
//   Δtx_prio{p}_packets / Δt < idle_tx_pps (when the NIC has no tx_prio{p}_packets counter, idleness
//   cannot be checked: duty alone decides, and a note says so);
// - consecutive stormy intervals lasting ≥ min_storm_ns in total make a storm (a finding).
// Any Δtx_pause_storm_error_events > 0 between the first and last snapshot is also a failure.
// An interval whose counters have no known delta (reset, vanished) ends a stormy run; it is noted.
// failed = any storm or any storm error event. Fewer than two snapshots: not failed, a note.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/counters/counter_sample.h"

namespace fabcheck::counters {

struct PfcStormOptions {
  double duty_threshold = 0.8;
  int64_t min_storm_ns = 200'000'000;
  double idle_tx_pps = 100;  // "transmits ~nothing": fewer packets per second than this
};

struct PfcStorm {
  Labels nic;          // the NIC's labels (host, dev, ...)
  int priority = 0;
  int64_t start_mono_ns = 0;
  int64_t duration_ns = 0;
  double max_duty = 0;
};

struct PfcStormResult {
  bool failed = false;
  std::vector<PfcStorm> storms;
  uint64_t storm_error_events = 0;  // Δtx_pause_storm_error_events summed over NICs
  std::vector<std::string> notes;
};

PfcStormResult evaluatePfcStorm(const std::vector<CounterSnapshot>& series, const PfcStormOptions& options = {});

}  // namespace fabcheck::counters
