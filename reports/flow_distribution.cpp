#include "reports/flow_distribution.h"

#include <algorithm>
#include <cmath>

#include "reports/svg_parts.h"

namespace fabcheck::reports {

Buckets bucketize(const std::vector<double>& values, const std::vector<bool>& marked, size_t target) {
  Buckets b;
  double lo = INFINITY, hi = -INFINITY;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, v), hi = std::max(hi, v);
  }
  b.skipped = static_cast<size_t>(std::count_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }));
  if (lo > hi) return b;
  size_t n = 1;
  if (hi > lo) {
    b.width = svg::parts::niceStep(hi - lo, static_cast<int>(std::max<size_t>(1, target)));
    b.lo = std::floor(lo / b.width) * b.width;
    n = static_cast<size_t>(std::floor((hi - b.lo) / b.width)) + 1;
  } else {
    b.lo = lo;
  }
  b.counts.assign(n, 0);
  b.marked.assign(n, 0);
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    if (!std::isfinite(v)) continue;
    const double at = b.width > 0 ? std::floor((v - b.lo) / b.width) : 0;
    const size_t k = std::min(n - 1, static_cast<size_t>(std::max(0.0, at)));
    ++b.counts[k];
    if (i < marked.size() && marked[i]) ++b.marked[k];
  }
  return b;
}

namespace {

std::vector<size_t> ranked(const std::vector<FlowRow>& flows, size_t n, bool (*worse)(const FlowRow&, const FlowRow&),
                           bool (*keep)(const FlowRow&)) {
  std::vector<size_t> order;
  for (size_t i = 0; i < flows.size(); ++i) {
    if (keep(flows[i])) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return worse(flows[a], flows[b]); });
  if (order.size() > n) order.resize(n);
  return order;
}

}  // namespace

std::vector<size_t> lowestThroughput(const std::vector<FlowRow>& flows, size_t n) {
  return ranked(
      flows, n, [](const FlowRow& a, const FlowRow& b) { return a.gbps < b.gbps; },
      [](const FlowRow& f) { return std::isfinite(f.gbps); });
}

std::vector<size_t> mostLost(const std::vector<FlowRow>& flows, size_t n) {
  return ranked(
      flows, n, [](const FlowRow& a, const FlowRow& b) { return a.lost > b.lost; },
      [](const FlowRow& f) { return f.lost > 0; });
}

}  // namespace fabcheck::reports
