// The switch.* metrics: switch port counters read over SNMP (source "switch_snmp", one source per
// switch with scope {switch: <name>}; samples labelled switch, port = ifName, prio, queue).
//
//   per port  switch.<switch>.port.<port>.{rx_bytes, tx_bytes, rx_packets, tx_packets, rx_discards,
//             tx_discards, rx_errors, tx_errors, queue_drops, pfc.prio<N>.{rx,tx}_pause_frames}
//   totals    switch.{rx_discards, tx_discards, discards, rx_errors, tx_errors, queue_drops},
//             switch.pfc.prio<N>.{rx,tx}_pause_frames — summed over every switch and port read
//
// Contract:
// - A per-port metric is present when that port has at least one of its counters and every one
//   it has has a known delta (ok or wrapped: the IF-MIB discards and errors are 32-bit).
// - A total is present only when every switch source was read: a switch that did not answer
//   could hide the very drops the total is about, so the total is absent naming that switch
//   and why. Likewise when any counter it sums has no delta, or when no switch serves it.
// - A switch that was not read has no per-port metrics; its reason is under the wildcard name
//   "switch.<switch>.*" in the details (and so in `missing`), for SLOs naming its ports.
// - Deltas without any switch source (a host's, or a run without a site file) give no switch
//   metrics at all, present or missing: an SLO on one then says it is not in the results.
// - switchMetricInfos(): the totals and the per-port metrics with <switch> and <port> in their
//   names (the SLO registry matches those placeholders, docs/metrics.md lists them).
#pragma once

#include <string>
#include <vector>

#include "harness/counters/counter_delta.h"
#include "harness/counters/flat_metrics.h"

namespace fabcheck::counters {

inline constexpr const char* kSwitchSnmpSource = "switch_snmp";

const std::vector<FlatMetricInfo>& switchMetricInfos();

// The IF-MIB figures of a port (rx_bytes, tx_bytes, rx_packets, tx_packets, rx_discards,
// tx_discards, rx_errors, tx_errors) and the MIB objects each one sums, in that order: the
// per-port metrics above and `fabcheck counters --switch` both read them from here.
struct SwitchPortFigure {
  std::string name;
  std::string unit;
  std::string meaning;
  std::vector<std::string> objects;
};
const std::vector<SwitchPortFigure>& switchPortFigures();

// Every per-port metric of the switches read, then the totals (switchMetricInfos() order), then
// one "switch.<name>.*" entry (missing set) per switch that was not read.
std::vector<FlatMetricDetail> switchMetricDetails(const std::vector<CounterDeltas>& deltas);

}  // namespace fabcheck::counters
