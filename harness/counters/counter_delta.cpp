#include "harness/counters/counter_delta.h"

#include <map>
#include <set>

#include "generators/core/errors.h"

namespace fabcheck::counters {

namespace {

void validate(const CounterSample& s, const char* which) {
  if (s.width_bits < 1 || s.width_bits > 64) {
    throw Error("counter " + sampleKey(s.name, s.labels) + " in the " + which + " snapshot: width_bits " +
                std::to_string(s.width_bits) + ", expected 1..64");
  }
  if (s.value > maxValue(s.width_bits)) {
    throw Error("counter " + sampleKey(s.name, s.labels) + " in the " + which + " snapshot: value " + std::to_string(s.value) +
                " exceeds its " + std::to_string(s.width_bits) + "-bit width");
  }
}

std::map<std::string, size_t> indexOf(const CounterSnapshot& snap, const char* which) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < snap.samples.size(); ++i) {
    const CounterSample& s = snap.samples[i];
    validate(s, which);
    if (!index.emplace(sampleKey(s.name, s.labels), i).second) {
      throw Error("counter " + sampleKey(s.name, s.labels) + " appears twice in the " + which +
                  " snapshot; expected each name+labels once");
    }
  }
  return index;
}

}  // namespace

const char* toString(DeltaStatus s) {
  switch (s) {
    case DeltaStatus::kOk: return "ok";
    case DeltaStatus::kWrapped: return "wrapped";
    case DeltaStatus::kSaturated: return "saturated";
    case DeltaStatus::kReset: return "reset";
    case DeltaStatus::kAppeared: return "appeared";
    case DeltaStatus::kVanished: return "vanished";
    case DeltaStatus::kGauge: return "gauge";
  }
  return "?";
}

CounterDelta deltaOf(const CounterSample& before, const CounterSample& after) {
  validate(before, "before");
  validate(after, "after");
  const std::string key = sampleKey(after.name, after.labels);
  if (before.saturating != after.saturating || before.kind != after.kind) {
    throw Error("counter " + key + " changed type between snapshots (saturating or gauge); expected the same in both");
  }
  CounterDelta d{.name = after.name, .labels = after.labels, .before = before.value, .after = after.value};
  if (after.kind == SampleKind::kGauge) {
    d.status = DeltaStatus::kGauge;
    return d;
  }
  const uint64_t max = maxValue(after.width_bits);
  if (after.saturating && after.value == max) {
    d.status = DeltaStatus::kSaturated;
  } else if (after.value >= before.value) {
    d.status = DeltaStatus::kOk;
    d.delta = after.value - before.value;
  } else if (after.width_bits < 64 && !after.saturating && before.value <= max) {
    d.status = DeltaStatus::kWrapped;
    d.delta = (max - before.value) + after.value + 1;
  } else {
    d.status = DeltaStatus::kReset;
  }
  return d;
}

std::vector<CounterDelta> delta(const CounterSnapshot& before, const CounterSnapshot& after) {
  const auto before_index = indexOf(before, "before");
  indexOf(after, "after");
  std::vector<CounterDelta> out;
  out.reserve(after.samples.size());
  std::set<size_t> matched;
  for (const CounterSample& a : after.samples) {
    auto it = before_index.find(sampleKey(a.name, a.labels));
    if (it == before_index.end()) {
      out.push_back(CounterDelta{.name = a.name, .labels = a.labels, .status = DeltaStatus::kAppeared, .after = a.value});
      continue;
    }
    matched.insert(it->second);
    out.push_back(deltaOf(before.samples[it->second], a));
  }
  for (size_t i = 0; i < before.samples.size(); ++i) {
    if (matched.count(i)) continue;
    const CounterSample& b = before.samples[i];
    out.push_back(CounterDelta{.name = b.name, .labels = b.labels, .status = DeltaStatus::kVanished, .before = b.value});
  }
  return out;
}

}  // namespace fabcheck::counters
