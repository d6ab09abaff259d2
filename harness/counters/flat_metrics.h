// Flat metrics from counter deltas: aggregate numbers that SLOs name (`fabric.queue_drops == 0`).
// The definitions are in docs/metrics.md "Counters", in the table in flat_metrics.cpp and, for
// the nic.* metrics, in the NIC vocabulary (nic_vocabulary.h: vendor names, one group per device),
// for the switch.* metrics in switch_metrics.h (per-port names carry <switch> and <port>).
//
// Contract: a metric is present exactly when at least one counter it sums is in the deltas and
// every such counter has a known delta (status ok or wrapped). Otherwise it is absent and
// `missing` says why (no such counter / source unavailable / a counter saturated, reset,
// appeared or vanished) — an absent metric makes its SLO "skipped", never a pass.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/counters/counter_delta.h"

namespace fabcheck::counters {

struct FlatMetricInfo {
  std::string name;     // "fabric.queue_drops"
  std::string source;   // the CounterSource name() it reads
  std::string unit;     // "packets", "bytes", "frames", "events"
  std::string meaning;  // one line: what it sums
};

// Every flat metric, in documentation order.
const std::vector<FlatMetricInfo>& flatMetricInfos();

// A counter that made a metric rise: "rx_discards_phy{dev=eth0,host=h1}" and its delta.
struct Contribution {
  std::string counter;  // sampleKey(name, labels)
  uint64_t delta = 0;
};

struct FlatMetrics {
  std::map<std::string, double> values;
  std::map<std::string, std::string> missing;  // metric → why it is absent
  // For each metric above zero, the counters that rose (delta > 0), in the sources' order:
  // what a failed verdict names ("h1: nic.discards rose by 12: rx_discards_phy{dev=eth0}").
  std::map<std::string, std::vector<Contribution>> contributors;
};

FlatMetrics flatMetrics(const std::vector<CounterDeltas>& deltas);

// One metric with the counters it was made of (the `fabcheck counters` view): `value` set exactly
// when flatMetrics() has it, else `missing` says why; `parts` are the counters summed (for nic.*
// metrics: the preferred vendor group's counters on each device, nic_vocabulary.h), `vendor`
// empty for metrics outside the NIC vocabulary. In flatMetricInfos() order.
struct FlatMetricPart {
  std::string source;
  std::string vendor;
  CounterDelta counter;
};
struct FlatMetricDetail {
  std::string name;
  std::optional<double> value;
  std::string missing;
  std::vector<FlatMetricPart> parts;
};
std::vector<FlatMetricDetail> flatMetricDetails(const std::vector<CounterDeltas>& deltas);

}  // namespace fabcheck::counters
