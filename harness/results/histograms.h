// The raw histograms of a distributed test, for programs that want more than the summary's
// percentiles (any percentile, CDF plots, merging across runs).
//
//   {latency_ns, idle_latency_ns, one_way_latency_ns, burst_spread_ns, burst_completion_ns}:
//   each present only when the test measured it, as measure::LatencyHistogram::toJson() — the
//   layout, exact count/min/max/sums and every non-empty bucket, lossless (fromJson() rebuilds
//   it). latency_ns: every pingpong flow's round trip merged (a probe's under load);
//   idle_latency_ns: a probe's idle baseline. The others follow the metrics of the same name.
#pragma once

#include <nlohmann/json.hpp>

#include "harness/model/agent_info.h"
#include "harness/model/test_outcome.h"
#include "harness/results/measurements.h"

namespace fabcheck::results {

// `load` is measurementsOf(t) (test_summary.h): the load's flows, the probe left out.
nlohmann::json histogramsOf(const model::TestOutcome& t, const Measurements& load);

}  // namespace fabcheck::results
