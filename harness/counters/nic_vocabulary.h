// The NIC vocabulary: vendor counter names (mlx5, bnxt, ice, and the standard ones) → fabcheck
// metric names (`nic.*`), in one table (nic_vocabulary.cpp; docs/metrics.md "NIC vocabulary").
//
// A metric is made of one or more raw counters, per vendor: e.g. nic.discards is mlx5
// rx_discards_phy + tx_discards_phy, bnxt rx_stat_discard + tx_stat_discard, ice rx_dropped.nic +
// tx_dropped_link_down.nic. A raw counter is named by its source (ethtool, infiniband), its
// directory for infiniband ("counters" | "hw_counters", the sample's "dir" label) and its name;
// "{p}" in a name stands for a priority 0..7 (rx_prio{p}_pause).
//
// Contract:
// - nicMetricInfos(): every metric, priorities expanded (nic.pfc.prio0.rx_pause_frames ...
//   prio7), in documentation order; each reads one source; units are the metric's (frames,
//   packets, events, us): no vendor counter needs scaling (mlx5 and bnxt durations are µs).
// - nicGroups(metric): its vendor groups in preference order (the standard pause statistics
//   before a vendor's own name for the same thing); empty for an unknown metric.
// - matchNicCounter(source, name, labels): every (metric, group) the raw sample feeds, e.g.
//   rx_prio3_pause feeds nic.pfc.prio3.rx_pause_frames and nic.pfc.rx_pause_frames.
// - On one device (host + dev [+ port]) a metric sums the raw counters of ONE group: the first
//   group, in preference order, of which the device has at least one counter — so a NIC that
//   shows both pause_stat.rx_frames and rx_pause_ctrl_phy is not counted twice.
// - A metric whose raw counters a host does not have is absent, never zero (flat_metrics.h).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "harness/counters/counter_sample.h"

namespace fabcheck::counters {

struct NicMetricInfo {
  std::string name;     // "nic.pfc.prio3.rx_pause_frames"
  std::string unit;     // "frames", "packets", "events", "us"
  std::string source;   // "ethtool" or "infiniband"
  std::string meaning;  // one line
};

struct NicGroup {
  std::string vendor;            // "mlx5", "bnxt", "ice", "standard"
  std::string dir;               // infiniband: "counters" | "hw_counters"; empty otherwise
  std::vector<std::string> raw;  // summed; priority expanded ("rx_prio3_pause"), or with {p} for all priorities
};

struct NicMatch {
  std::string metric;
  size_t group = 0;  // index into nicGroups(metric): lower is preferred
  std::string vendor;
};

const std::vector<NicMetricInfo>& nicMetricInfos();
const std::vector<NicGroup>& nicGroups(const std::string& metric);
std::vector<NicMatch> matchNicCounter(const std::string& source, const std::string& name, const Labels& labels);

// "mlx5 rx_prio3_pause, bnxt rx_pfc_ena_frames_pri3, ice rx_priority_3_xoff.nic": what a host
// would need for `metric`, for "absent" reasons.
std::string nicRawNamesText(const std::string& metric);

}  // namespace fabcheck::counters
