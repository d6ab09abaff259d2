// Many flows (issue 18: a test over 1024 hosts has thousands) as distributions instead of a bar
// each: values into histogram buckets, and the worst flows for the drill-down.
//
// Contract
// - Up to kMaxFlowBars flows the HTML report draws a bar per flow (svg::flowsChart); above, a
//   histogram of per-flow throughput (and of per-flow loss ratio when a flow lost packets) and
//   tables of the kWorstFlows flows of lowest throughput and of most lost packets.
// - bucketize(values, marked, target): the finite values into equal buckets of a round width
//   (1, 2 or 5 × 10^k, about `target` of them between the lowest and the highest value); bucket
//   i holds lo + i·width ≤ v < lo + (i+1)·width, the highest value always in the last bucket.
//   All values equal: one bucket of width 0. `marked[i]` (when given) counts value i in its
//   bucket's `marked` too (flows that lost packets). Non-finite values are counted in `skipped`
//   only. No value: no bucket.
// - lowestThroughput / mostLost: indexes into `flows`, worst first, at most n; ties keep the
//   flows' order. mostLost lists only flows that lost packets.
// Pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fabcheck::reports {

inline constexpr size_t kMaxFlowBars = 64;
inline constexpr size_t kWorstFlows = 20;
inline constexpr size_t kHistogramBuckets = 20;

struct Buckets {
  double lo = 0, width = 0;
  std::vector<size_t> counts;
  std::vector<size_t> marked;
  size_t skipped = 0;
};

Buckets bucketize(const std::vector<double>& values, const std::vector<bool>& marked, size_t target);

struct FlowRow {
  std::string id, from, to;  // flow id, "node01 #0", "node02 #1"
  double gbps = 0;
  uint64_t lost = 0;
  double loss_ratio = 0;     // lost / sent (lost / (received + lost) when sent is unknown)
};

std::vector<size_t> lowestThroughput(const std::vector<FlowRow>& flows, size_t n);
std::vector<size_t> mostLost(const std::vector<FlowRow>& flows, size_t n);

}  // namespace fabcheck::reports
