// The HTML report's per-flow part of a test: metrics.per_flow (results/measurements.h) as a bar
// per flow, or, for many flows, as distributions with the worst flows listed.
//
// Contract
// - Up to kMaxFlowBars flows with a throughput (flow_distribution.h): svg::flowsChart, a bar per
//   flow labelled "ID: SENDER_HOST #AGENT → RECEIVER_HOST #AGENT", red with the count when it
//   lost packets (today's chart, unchanged).
// - Above: svg::histogramChart of the flows' throughput (flows that lost packets stacked red);
//   when any flow lost packets, a second one of their loss ratio (lost / sent); then
//   `<table class="worst-flows">` of the kWorstFlows flows of lowest throughput and, when any
//   lost packets, one of the kWorstFlows that lost the most. per_flow carries no latency, so
//   there is no per-flow latency distribution.
// - Entries without a throughput are left out; a record of odd shape draws nothing, never throws.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace fabcheck::reports {

// The per-flow charts (and tables) of a test's metrics, as items of the report's charts row;
// "" when there is no flow with a throughput.
std::string flowChartsHtml(const nlohmann::json& metrics);

}  // namespace fabcheck::reports
