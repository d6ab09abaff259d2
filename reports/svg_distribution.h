// A histogram chart: how many flows (or anything counted) fall in each bucket of a value, for
// the HTML report's per-flow distributions (flow_distribution.h).
//
// Contract
// - `<svg class="chart" data-chart="distribution" ...>`: a vertical bar per bucket from
//   bucketize(), x = the value (round bucket edges as ticks), y = the count on a linear axis; each
//   non-empty bucket is at least 3 px tall and has its count written above it, so a single flow
//   far from the rest is visible among thousands. The bucket's marked part (flows that lost
//   packets) is stacked red, with a legend line `marked_label`, when any is marked.
// - Each bar's <title>: "LO – HI UNIT: COUNT flows (MARKED lost packets)". The total and the
//   skipped non-finite values are written under the chart. Every text is escaped.
// - No bucket: the "no data" chart. The size is bounded by the number of buckets.
#pragma once

#include <string>

#include "reports/flow_distribution.h"

namespace fabcheck::reports::svg {

std::string histogramChart(const std::string& title, const std::string& x_label, const std::string& unit,
                           const Buckets& b, const std::string& marked_label);

}  // namespace fabcheck::reports::svg
