#include "harness/counters/test_counters.h"

#include <memory>

#include "generators/core/errors.h"
#include "harness/counters/counter_source_registry.h"

namespace fabcheck::counters {

using nlohmann::json;

CounterSet hostCounterSet() {
  CounterSet set;
  for (const auto& source : counterSourceRegistry()) {
    if (source.host) set.add(source.create());
  }
  return set;
}

void CountersAround::begin() { before_ = set_.snapshot(); }

json CountersAround::end() {
  if (!before_) throw Error("counters: end() without begin()");
  const auto d = deltas(*before_, set_.snapshot());
  const FlatMetrics flat = flatMetrics(d);
  json out = toJson(d);
  out["metrics"] = flat.values;
  out["missing"] = flat.missing;
  return out;
}

void addCounterMetrics(json& into, const json& counters) {
  if (!counters.is_object() || !counters.contains("metrics")) return;
  if (!into.is_object()) into = json::object();
  for (const auto& [name, v] : counters["metrics"].items()) {
    if (!v.is_number()) continue;
    into[name] = into.value(name, 0.0) + v.get<double>();
  }
}

}  // namespace fabcheck::counters
