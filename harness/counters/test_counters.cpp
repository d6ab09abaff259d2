#include "harness/counters/test_counters.h"

#include <memory>

#include "generators/core/errors.h"
#include "harness/counters/infiniband_counter_source.h"
#include "harness/counters/netdev_counter_source.h"
#include "harness/counters/snmp_counter_source.h"

namespace fabcheck::counters {

using nlohmann::json;

CounterSet hostCounterSet() {
  CounterSet set;
  set.add(std::make_unique<NetdevCounterSource>(NetdevSourceOptions{}));
  // /proc/self/net: the namespace of this process (an agent inside `ip netns exec` reads its own).
  set.add(std::make_unique<SnmpCounterSource>(
      SnmpSourceOptions{.snmp_path = "/proc/self/net/snmp", .snmp6_path = "/proc/self/net/snmp6"}));
  set.add(std::make_unique<InfinibandCounterSource>(InfinibandSourceOptions{}));
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
