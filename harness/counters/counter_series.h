// CounterSeries: one source's counters sampled through a test, kept compact for the results.
//
// A series holds the times of its samples (CLOCK_MONOTONIC of each snapshot) and, per counter
// (name + labels), its value at each sample — nullopt where the counter was not in that
// snapshot (it appeared late or vanished). Values are absolute, as read: wrap, saturation and
// reset are judged when deltas are taken (counter_delta.h), exactly as for two snapshots.
//
// Contract:
// - appendSample(series, snapshot, keep): adds one sample holding the snapshot's counters that
//   `keep` accepts; a counter first seen now gets nullopt for the earlier samples.
// - toSnapshots(series): the samples back as CounterSnapshots (time order), for rules that
//   read a series of snapshots (pfc_storm.h).
// - seriesToJson / seriesFromJson (the report's form; docs/results.md "Counter series"):
//     {"source": "ethtool", "t_ns": [monotonic ns...],
//      "counters": [{"name": "rx_prio3_pause_duration", "labels": {...},
//                    "values": [1, 5, null, ...]}          // one per t_ns
//                   {"name": "...", "labels": {...}, "value": 7}]}   // constant throughout
//   plus "width_bits" (when not 64), "saturating": true, "gauge": true when they apply.
//   seriesFromJson throws fabcheck::Error naming what is malformed (a values array whose length
//   is not t_ns's, a non-number value).
// - decimate(series): keeps every other sample (the first and the last always), halving the
//   resolution; CounterSampler uses it to bound memory on long tests.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/counters/counter_sample.h"

namespace fabcheck::counters {

struct SeriesLine {
  std::string name;
  Labels labels;
  int width_bits = 64;
  bool saturating = false;
  SampleKind kind = SampleKind::kCounter;
  std::vector<std::optional<uint64_t>> values;  // one per CounterSeries::t_mono_ns
};

struct CounterSeries {
  std::string source;
  std::vector<int64_t> t_mono_ns;
  std::vector<SeriesLine> lines;
};

using SampleFilter = std::function<bool(const CounterSample&)>;

void appendSample(CounterSeries& series, const CounterSnapshot& snapshot, const SampleFilter& keep);
std::vector<CounterSnapshot> toSnapshots(const CounterSeries& series);
void decimate(CounterSeries& series);

nlohmann::json seriesToJson(const CounterSeries& series);
CounterSeries seriesFromJson(const nlohmann::json& j);

}  // namespace fabcheck::counters
