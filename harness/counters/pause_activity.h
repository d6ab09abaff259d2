// PFC pause activity over a test, per NIC and priority, from a sampled series of ethtool
// snapshots (counter_series.h): what the report's pause chart draws and what the pause metrics
// sum. Per interval between consecutive samples:
//   duty       = Δrx_pause_duration / Δt (fraction of the interval the peer kept the priority
//                paused; only NICs with a pause-duration counter: mlx5, bnxt), and
//   rx/tx rate = Δrx/tx pause frames / Δt (frames per second; every vendor with per-priority
//                pause counters).
// An interval without a known delta (counter absent in either sample, reset, saturated) is null
// in that line. Lines with no rise at all are left out (an idle priority draws nothing).
// Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "harness/counters/counter_sample.h"

namespace fabcheck::counters {

struct PauseLine {
  Labels nic;     // the counters' labels (host, dev)
  int priority = 0;
  std::vector<int64_t> t_end_mono_ns;  // each interval's end
  std::vector<std::optional<double>> duty;
  std::vector<std::optional<double>> rx_frames_per_s;
  std::vector<std::optional<double>> tx_frames_per_s;
  double max_duty = 0;                 // over the intervals (0 without a duration counter)
  uint64_t rx_frames = 0, tx_frames = 0;  // summed known deltas
  bool has_duration = false;
};

std::vector<PauseLine> pauseActivity(const std::vector<CounterSnapshot>& series);

}  // namespace fabcheck::counters
