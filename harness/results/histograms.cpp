#include "harness/results/histograms.h"

namespace fabcheck::results {

using nlohmann::json;
using Hs = std::vector<const measure::LatencyHistogram*>;

namespace {

void put(json& out, const char* key, const Hs& hs) {
  auto merged = mergeHistograms(hs);
  if (merged && merged->count() > 0) out[key] = merged->toJson();
}

}  // namespace

json histogramsOf(const model::TestOutcome& t, const Measurements& m) {
  json out = json::object();
  Hs rtt, idle, one_way, spread, completion;
  for (const auto& p : t.pingpongs) rtt.push_back(&p.rtt_ns);
  for (const auto& p : t.probe.idle_pingpongs) idle.push_back(&p.rtt_ns);
  // One-way and burst histograms as the metrics count them: the load's flows only.
  for (const auto& r : m.receivers) {
    if (r.one_way_ns) one_way.push_back(&*r.one_way_ns);
    if (r.burst_spread_ns) spread.push_back(&*r.burst_spread_ns);
    if (r.burst_completion_ns) completion.push_back(&*r.burst_completion_ns);
  }
  for (const auto& r : m.responders) {
    if (r.one_way_ns) one_way.push_back(&*r.one_way_ns);
  }
  put(out, "latency_ns", rtt);
  put(out, "idle_latency_ns", idle);
  put(out, "one_way_latency_ns", one_way);
  put(out, "burst_spread_ns", spread);
  put(out, "burst_completion_ns", completion);
  return out;
}

}  // namespace fabcheck::results
