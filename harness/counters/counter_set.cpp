#include "harness/counters/counter_set.h"

#include <algorithm>

#include "generators/core/errors.h"
#include "harness/counters/counter_json.h"

namespace fabcheck::counters {

void CounterSet::add(std::unique_ptr<CounterSource> source) {
  if (!source) throw Error("CounterSet::add: null source");
  sources_.push_back(std::move(source));
}

std::vector<SourceSnapshot> CounterSet::snapshot() {
  std::vector<SourceSnapshot> out;
  for (auto& source : sources_) {
    SourceSnapshot s{.source = source->name(), .scope = source->scope()};
    try {
      s.snapshot = source->snapshot();
      s.unavailable_reason = source->unavailable_reason();
    } catch (const std::exception& e) {
      s.error = e.what();
      s.snapshot = {};
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<CounterDeltas> deltas(const std::vector<SourceSnapshot>& before, const std::vector<SourceSnapshot>& after) {
  if (before.size() != after.size()) {
    throw Error("counter deltas: " + std::to_string(before.size()) + " sources before, " + std::to_string(after.size()) +
                " after; expected the same set");
  }
  std::vector<CounterDeltas> out;
  for (size_t i = 0; i < before.size(); ++i) {
    const SourceSnapshot& b = before[i];
    const SourceSnapshot& a = after[i];
    if (b.source != a.source) {
      throw Error("counter deltas: source #" + std::to_string(i) + " is '" + b.source + "' before and '" + a.source + "' after");
    }
    CounterDeltas d{.source = a.source, .scope = a.scope, .interval_ns = a.snapshot.taken_mono_ns - b.snapshot.taken_mono_ns};
    for (const auto* notes : {&b.snapshot.notes, &a.snapshot.notes}) {
      for (const auto& n : *notes) {
        if (std::find(d.notes.begin(), d.notes.end(), n) == d.notes.end()) d.notes.push_back(n);
      }
    }
    if (!b.error.empty() || !a.error.empty()) {
      d.error = !b.error.empty() ? "before: " + b.error : "after: " + a.error;
    } else if (!b.unavailable_reason.empty() || !a.unavailable_reason.empty()) {
      d.unavailable_reason = !b.unavailable_reason.empty() ? b.unavailable_reason : a.unavailable_reason;
    } else {
      try {
        d.counters = delta(b.snapshot, a.snapshot);
      } catch (const std::exception& e) {
        d.error = e.what();
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

nlohmann::json toJson(const std::vector<CounterDeltas>& deltas) {
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& d : deltas) sources.push_back(deltasToJson(d));
  return {{"sources", std::move(sources)}};
}

}  // namespace fabcheck::counters
