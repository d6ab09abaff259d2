// What one test asks for, as the whole harness sees it: the suite loader fills it, the planner
// (harness/plan/test_rounds.h) turns it into rounds of flows, the controller runs it, the
// results and reports read it back. Plain values, no behaviour. Layering: docs/architecture.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "generators/patterns/collective_params.h"
#include "generators/patterns/pattern.h"
#include "generators/patterns/placement.h"
#include "generators/transport/transport.h"

namespace fabcheck::model {

// The pingpong probe of a latency-under-load test: it runs alone first (the idle baseline),
// then again while the test's own flows load the fabric, over the same pair of agents.
struct ProbeSpec {
  patterns::PatternParams params;   // kind pingpong: size, reply timeout, warm-up round trips
  int from = 0, to = 1;             // placement indexes of the probe's two ends
  int dscp = -1;                    // its own DSCP (another priority); -1: the test's
  int64_t idle_duration_ns = 1'000'000'000;  // length of the idle baseline
};

// A collective test (AI-shaped load): every participant is a rank (rank r = the test's r-th
// agent) and runs its part of the schedule (patterns/collective_schedule.h) through
// engine::CollectiveExecutor over reliable links. One round per size of the sweep, each with
// fresh connections; every round is bounded by timeout_ns.
struct CollectiveSpec {
  patterns::CollectiveParams params;  // size_bytes: the first size; the sweep is `sizes`
  std::vector<uint64_t> sizes;        // S per round (nccl-tests -b/-e/-f); empty: params.size_bytes
  double link_rate_bps = 0;           // pace every link's data to this rate; 0 = as fast as possible
  uint32_t message_bytes = 8192;      // per message on the wire, the 48 header bytes included
  uint32_t window_bytes = 2 << 20;    // unacknowledged bytes per link (capped: collective_executor.h)
  double straggler_ratio = 0.5;       // a link below this × the median link rate is a straggler
  int64_t timeout_ns = 120'000'000'000;      // one size's whole run (warm-up included) on every rank
  int64_t step_timeout_ns = 10'000'000'000;  // one step of one rank (a peer that stops sending)

  std::vector<uint64_t> sweep() const { return sizes.empty() ? std::vector<uint64_t>{params.size_bytes} : sizes; }
};

// What the NIC counters are read and judged with (suite key `counters`, docs/suites.md):
// sampled through the test every interval_ns (0: before and after only); the PFC storm rule's
// thresholds (harness/counters/pfc_storm.h, SONiC's watchdog defaults); the lossless verdict
// (harness/counters/lossless_verdict.h) for the priorities listed (empty: every priority).
struct CounterSpec {
  int64_t interval_ns = 100'000'000;
  double storm_duty = 0.8;
  int64_t storm_min_ns = 200'000'000;
  double storm_idle_tx_pps = 100;
  std::vector<int> lossless_priorities;
  bool full_snapshots = false;  // the record keeps every agent's counters whole (results/counter_record.h)
};

// Default matrix tolerances: a throughput pair below 0.9 x the reference is flagged; a latency
// pair above 2 x the reference round trip (software-forwarded RTTs of tens of microseconds move
// by more than 11% on a loaded host).
constexpr double kThroughputOutlierRatio = 0.9;
constexpr double kLatencyOutlierRatio = 0.5;

struct TestSpec {
  std::string name;
  // The suite pattern it was loaded as ("stream", "all_reduce"; harness/suite/pattern_registry.h);
  // empty for specs built by hand: the registry then recognises the built-in patterns by the fields below.
  std::string pattern;
  patterns::PatternParams params;
  patterns::Placement placement = patterns::Placement::kPairs;
  // Which agents take part, in placement order (placement index i runs on agents[i]); empty:
  // every registered agent. Flows in the outcome name agent ids, not placement indexes.
  std::vector<int> agents;
  uint32_t seed = 1;                // for the permutation placement
  std::string transport = "udp";
  transport::TransportOptions transport_options;
  std::optional<ProbeSpec> probe;   // latency under load; only with single-round placements
  // A collective instead of `params`' flows (placement unused: ranks are `agents` in order).
  std::optional<CollectiveSpec> collective;
  // Matrix placement: a pair below this × the median throughput is an outlier (results/matrix_outliers.h);
  // pingpong: above the reference latency / this. The suite loader's default for pingpong is
  // kLatencyOutlierRatio.
  double outlier_ratio = kThroughputOutlierRatio;
  // Matrix placement: how often each flagged pair is run again, alone, before it is reported;
  // 0 = the first pass decides (plan/matrix_retests.h).
  int outlier_retests = 2;
  CounterSpec counters;
};

}  // namespace fabcheck::model
