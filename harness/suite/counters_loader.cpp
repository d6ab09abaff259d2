// A test's `counters:` key (counters_loader.h).
#include "harness/suite/counters_loader.h"

#include "harness/model/units.h"

namespace fabcheck::suite::detail {

namespace {

const std::vector<std::string> kCounterKeys = {"interval", "storm_duty", "storm_min_duration", "storm_idle_tx_pps",
                                               "lossless_priorities", "snapshots"};

void interval(SuiteReader& r, const Val& v, model::CounterSpec& c) {
  if (v.node.IsScalar() && (v.node.Scalar() == "off" || v.node.Scalar() == "0")) {
    c.interval_ns = 0;
    return;
  }
  auto x = r.unit(v, "counters.interval", "a duration like 100ms, or off", model::parseDurationNs);
  if (!x) return;
  if (*x < 10'000'000) {
    r.error(v, "counters.interval" + quoted(v) + ": expected at least 10ms (or off); NIC counters are not read faster");
    return;
  }
  c.interval_ns = *x;
}

void priorities(SuiteReader& r, const Val& v, model::CounterSpec& c) {
  if (!v.node.IsSequence() || v.node.size() == 0) {
    r.error(v, "counters.lossless_priorities is " + SuiteReader::describe(v.node) + "; expected a list of priorities 0..7 like [3]");
    return;
  }
  for (const auto& p : v.node) {
    if (auto x = r.integer(Val{p, v.file}, "counters.lossless_priorities entry", 0, 7)) c.lossless_priorities.push_back(static_cast<int>(*x));
  }
}

}  // namespace

void loadCounterKeys(SuiteReader& r, const Val& v, SuiteTest& t) {
  if (!v.node.IsMap()) {
    r.error(v, "counters is " + SuiteReader::describe(v.node) + "; expected a mapping like {interval: 100ms}");
    return;
  }
  const auto e = r.entries(v, kCounterKeys, "counters");
  model::CounterSpec& c = t.spec.counters;
  if (auto it = e.find("interval"); it != e.end()) interval(r, it->second, c);
  if (auto it = e.find("storm_duty"); it != e.end()) {
    if (auto x = r.number(it->second, "counters.storm_duty")) {
      if (*x > 1) r.error(it->second, "counters.storm_duty" + quoted(it->second) + ": expected a fraction above 0 and at most 1");
      else c.storm_duty = *x;
    }
  }
  if (auto it = e.find("storm_min_duration"); it != e.end()) {
    if (auto x = r.unit(it->second, "counters.storm_min_duration", "a duration like 200ms", model::parseDurationNs)) c.storm_min_ns = *x;
  }
  if (auto it = e.find("storm_idle_tx_pps"); it != e.end()) {
    if (auto x = r.number(it->second, "counters.storm_idle_tx_pps")) c.storm_idle_tx_pps = *x;
  }
  if (auto it = e.find("lossless_priorities"); it != e.end()) priorities(r, it->second, c);
  if (auto it = e.find("snapshots"); it != e.end()) {
    if (auto x = r.oneOf(it->second, "counters.snapshots", {"deltas", "full"})) c.full_snapshots = *x == "full";
  }
}

}  // namespace fabcheck::suite::detail
