#include "harness/counters/pfc_storm.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "harness/counters/counter_delta.h"
#include "harness/counters/pfc_counter_names.h"

namespace fabcheck::counters {

namespace {

struct Key {
  Labels nic;
  int priority;
  bool operator<(const Key& o) const { return std::tie(nic, priority) < std::tie(o.nic, o.priority); }
};

Labels nicOf(const CounterSample& s) { return s.labels; }

// The tx packet counter name of priority p in the same driver family as `duration_name`.
std::string txPacketsName(int p) { return "tx_prio" + std::to_string(p) + "_packets"; }

const CounterSample* findSample(const CounterSnapshot& snap, const std::string& name, const Labels& labels) {
  for (const auto& s : snap.samples) {
    if (s.name == name && s.labels == labels) return &s;
  }
  return nullptr;
}

std::optional<uint64_t> knownDelta(const CounterSample* b, const CounterSample* a) {
  if (!b || !a) return std::nullopt;
  try {
    return deltaOf(*b, *a).delta;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

struct Run {
  int64_t start = 0;
  int64_t length = 0;
  double max_duty = 0;
};

}  // namespace

PfcStormResult evaluatePfcStorm(const std::vector<CounterSnapshot>& series, const PfcStormOptions& options) {
  PfcStormResult result;
  if (series.size() < 2) {
    result.notes.push_back("fewer than two snapshots: no PFC storm evaluation");
    return result;
  }
  // Storm error events, first vs last snapshot.
  for (const auto& s : series.back().samples) {
    if (s.name != "tx_pause_storm_error_events") continue;
    const auto d = knownDelta(findSample(series.front(), s.name, s.labels), &s);
    if (d) {
      result.storm_error_events += *d;
    } else {
      result.notes.push_back("tx_pause_storm_error_events of " + sampleKey("", s.labels) + " has no known delta");
    }
  }
  std::map<Key, Run> runs;
  std::map<Key, bool> noted_no_tx;
  auto finish = [&](const Key& k) {
    Run& r = runs[k];
    if (r.length >= options.min_storm_ns) {
      result.storms.push_back(PfcStorm{k.nic, k.priority, r.start, r.length, r.max_duty});
    }
    r = Run{};
  };
  for (size_t i = 1; i < series.size(); ++i) {
    const CounterSnapshot& before = series[i - 1];
    const CounterSnapshot& after = series[i];
    const int64_t dt = after.taken_mono_ns - before.taken_mono_ns;
    if (dt <= 0) continue;  // the same reading twice: no interval (a storm run goes on)
    for (const auto& s : after.samples) {
      const auto pfc = parsePfcCounterName(s.name);
      if (!pfc || pfc->counter != PfcCounter::kRxPauseDurationUs) continue;
      const Key key{nicOf(s), pfc->priority};
      const auto dur = knownDelta(findSample(before, s.name, s.labels), &s);
      if (!dur) {
        result.notes.push_back(sampleKey(s.name, s.labels) + ": no known delta in interval " + std::to_string(i) + ", skipped");
        finish(key);
        continue;
      }
      const double duty = static_cast<double>(*dur) * 1000.0 / static_cast<double>(dt);
      bool idle = true;
      const std::string tx_name = txPacketsName(pfc->priority);
      const CounterSample* tx_after = findSample(after, tx_name, s.labels);
      if (const auto tx = knownDelta(findSample(before, tx_name, s.labels), tx_after)) {
        idle = static_cast<double>(*tx) * 1e9 / static_cast<double>(dt) < options.idle_tx_pps;
      } else if (!noted_no_tx[key]) {
        noted_no_tx[key] = true;
        result.notes.push_back(sampleKey(s.name, s.labels) + ": no " + tx_name + " delta, idleness not checked");
      }
      Run& run = runs[key];
      if (duty >= options.duty_threshold && idle) {
        if (run.length == 0) run.start = before.taken_mono_ns;
        run.length += dt;
        run.max_duty = std::max(run.max_duty, duty);
      } else {
        finish(key);
      }
    }
  }
  for (auto& [key, run] : runs) {
    if (run.length > 0) finish(key);
  }
  result.failed = !result.storms.empty() || result.storm_error_events > 0;
  return result;
}

}  // namespace fabcheck::counters
