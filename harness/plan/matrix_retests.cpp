#include "harness/plan/matrix_retests.h"

#include <algorithm>
#include <set>

namespace fabcheck::plan {

MatrixCells matrixCells(const std::vector<patterns::FlowSpec>& flows, const std::vector<engine::SenderResult>& senders,
                        const std::vector<engine::ReceiverResult>& receivers,
                        const std::vector<engine::PingpongResult>& pingpongs) {
  std::map<uint32_t, std::pair<int, int>> link;
  for (const auto& f : flows) link[f.flow_id] = {f.sender, f.receiver};
  std::map<uint32_t, int64_t> sender_ns;
  for (const auto& s : senders) sender_ns[s.flow_id] = s.measured_ns;
  MatrixCells out;
  for (const auto& r : receivers) {
    const auto it = link.find(r.flow_id);
    const auto ns = sender_ns.find(r.flow_id);
    if (it == link.end() || ns == sender_ns.end() || ns->second <= 0) continue;
    out.throughput_gbps[it->second] += static_cast<double>(r.measured_bytes) * 8 / static_cast<double>(ns->second);
  }
  for (const auto& p : pingpongs) {
    const auto it = link.find(p.flow_id);
    if (it == link.end() || p.rtt_ns.count() == 0) continue;
    const double us = static_cast<double>(p.rtt_ns.percentile(50)) / 1000.0;
    for (const auto& key : {it->second, std::make_pair(it->second.second, it->second.first)}) {
      auto [cell, fresh] = out.latency_us_p50.emplace(key, us);  // a round trip: the same both ways
      if (!fresh) cell->second = std::max(cell->second, us);
    }
  }
  return out;
}

namespace {

// The worse of (a, b) and (b, a) in `cells`; none when neither has a value.
std::optional<double> worseDirection(const std::map<std::pair<int, int>, double>& cells, int a, int b,
                                     bool higher_is_better) {
  const auto x = cells.find({a, b}), y = cells.find({b, a});
  if (x == cells.end() && y == cells.end()) return std::nullopt;
  if (x == cells.end()) return y->second;
  if (y == cells.end()) return x->second;
  return higher_is_better ? std::min(x->second, y->second) : std::max(x->second, y->second);
}

std::vector<double> sortedValues(const MatrixPairs& pairs) {
  std::vector<double> v;
  for (const auto& p : pairs.pairs) v.push_back(p.value);
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

double medianOf(const MatrixPairs& pairs) {
  const std::vector<double> v = sortedValues(pairs);
  const size_t n = v.size();
  if (n == 0) return 0;
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::optional<double> pairValueIn(const MatrixCells& cells, MatrixMetric metric, int a, int b) {
  switch (metric) {
    case MatrixMetric::kThroughput: return worseDirection(cells.throughput_gbps, a, b, true);
    case MatrixMetric::kLatency: return worseDirection(cells.latency_us_p50, a, b, false);
    case MatrixMetric::kNone: break;
  }
  return std::nullopt;
}

MatrixPairs pairValues(const MatrixCells& cells) {
  MatrixPairs out;
  out.metric = !cells.throughput_gbps.empty() ? MatrixMetric::kThroughput
               : !cells.latency_us_p50.empty() ? MatrixMetric::kLatency
                                               : MatrixMetric::kNone;
  const auto& values = out.metric == MatrixMetric::kThroughput ? cells.throughput_gbps : cells.latency_us_p50;
  std::set<std::pair<int, int>> pairs;
  for (const auto& [link, v] : values) pairs.insert({std::min(link.first, link.second), std::max(link.first, link.second)});
  for (const auto& [a, b] : pairs) {
    if (a == b) continue;
    if (const auto v = pairValueIn(cells, out.metric, a, b)) out.pairs.push_back({a, b, *v});
  }
  return out;
}

bool MatrixTolerance::outside(double value) const {
  switch (metric) {
    case MatrixMetric::kThroughput: return value < ratio * reference;
    case MatrixMetric::kLatency: return value > reference / ratio;
    case MatrixMetric::kNone: break;
  }
  return false;
}

MatrixTolerance toleranceOf(const MatrixPairs& pairs, double ratio) {
  MatrixTolerance t;
  t.metric = pairs.pairs.empty() ? MatrixMetric::kNone : pairs.metric;
  t.ratio = ratio;
  const std::vector<double> v = sortedValues(pairs);
  const size_t n = v.size();
  if (n == 0) return t;
  // Odd: the middle one. Even: the upper middle for throughput, the lower for latency.
  t.reference = n % 2 ? v[n / 2] : t.metric == MatrixMetric::kThroughput ? v[n / 2] : v[n / 2 - 1];
  return t;
}

std::vector<PairValue> flaggedPairs(const MatrixPairs& pairs, const MatrixTolerance& tolerance) {
  std::vector<PairValue> out;
  for (const auto& p : pairs.pairs) {
    if (tolerance.outside(p.value)) out.push_back(p);
  }
  return out;
}

bool stillOutside(const model::MatrixRetest& pair, const MatrixTolerance& tolerance) {
  return std::none_of(pair.values.begin(), pair.values.end(),
                      [&](const std::optional<double>& v) { return v && !tolerance.outside(*v); });
}

bool confirmed(const model::MatrixRetest& pair, const MatrixTolerance& tolerance, int retests) {
  if (retests <= 0) return true;  // the first pass flagged it; nothing more was asked
  return pair.values.size() >= static_cast<size_t>(retests) && stillOutside(pair, tolerance);
}

std::vector<size_t> pairsToRetest(const std::vector<model::MatrixRetest>& pairs, const MatrixTolerance& tolerance,
                                  int retests) {
  std::vector<size_t> out;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (pairs[i].values.size() < static_cast<size_t>(std::max(retests, 0)) && stillOutside(pairs[i], tolerance)) {
      out.push_back(i);
    }
  }
  return out;
}

patterns::PatternPlan pairRound(const patterns::PatternPlan& plan, int a, int b) {
  patterns::PatternPlan out;
  for (const auto& f : plan.flows) {
    if ((f.sender == a && f.receiver == b) || (f.sender == b && f.receiver == a)) out.flows.push_back(f);
  }
  return out;
}

}  // namespace fabcheck::plan
