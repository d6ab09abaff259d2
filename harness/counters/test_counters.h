// Counters read around one test, in the form the controller, the runner and the reports share.
//
// CountersAround: snapshot a CounterSet when the test starts (begin()) and when it ended
// (end()); end() returns {"sources": [...] (counter_set.h toJson), "metrics": {flat name →
// value}, "missing": {flat name → why absent}} — the flat metrics of flat_metrics.h.
// With a sampling interval (SamplingOptions.interval_ns > 0) the set is also read through the
// test (counter_sampler.h) and end() adds "series": {"interval_ns": N, "sources": [
// seriesToJson(...) for each source that kept a counter]} (docs/results.md "Counter series").
//
// hostCounterSet(): what an agent reads about its own host: the registry's host sources
// (counter_source_registry.h), in its order: `netdev` (its network namespace's interfaces,
// loopback excluded), `snmp` (/proc/self/net/snmp: its namespace's UDP/TCP counters),
// `infiniband` (RDMA ports) and `ethtool` (NIC statistics, PFC); a source the host cannot
// give is empty with its reason.
//
// addCounterMetrics(): sums several such objects' "metrics" (e.g. the rounds of a test, or the
// agents of distinct hosts) into `into`.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/counters/counter_sampler.h"
#include "harness/counters/counter_set.h"
#include "harness/counters/nic_selection.h"

namespace fabcheck::counters {

CounterSet hostCounterSet();

// The same sources, narrowed to one NIC (nic_selection.h): netdev and ethtool read only
// `nic.interface`, infiniband only `nic.device` (an empty device: infiniband unavailable, with
// nic.reason); an empty interface reads every interface, as hostCounterSet().
CounterSet hostCounterSet(const NicSelection& nic);

class CountersAround {
 public:
  explicit CountersAround(CounterSet& set, SamplingOptions sampling = {}) : set_(set), sampling_(std::move(sampling)) {}
  void begin();
  nlohmann::json end();   // the JSON above; throws fabcheck::Error if begin() was not called

 private:
  CounterSet& set_;
  SamplingOptions sampling_;
  std::optional<std::vector<SourceSnapshot>> before_;
  std::unique_ptr<CounterSampler> sampler_;
};

void addCounterMetrics(nlohmann::json& into, const nlohmann::json& counters);

}  // namespace fabcheck::counters
