#include "harness/counters/test_counters.h"

#include <memory>

#include "generators/core/errors.h"
#include "generators/core/clock.h"
#include "harness/counters/counter_source_registry.h"
#include "harness/counters/ethtool_counter_source.h"
#include "harness/counters/infiniband_counter_source.h"
#include "harness/counters/netdev_counter_source.h"

namespace fabcheck::counters {

using nlohmann::json;

CounterSet hostCounterSet() {
  CounterSet set;
  for (const auto& source : counterSourceRegistry()) {
    if (source.host) set.add(source.create());
  }
  return set;
}

namespace {

// A source that reads nothing and says why (an RDMA device this NIC does not have).
class UnavailableSource : public CounterSource {
 public:
  UnavailableSource(std::string name, std::string reason) : name_(std::move(name)), reason_(std::move(reason)) {}
  std::string name() const override { return name_; }
  CounterSnapshot snapshot() override { return CounterSnapshot{monoNowNs(), {}, {}}; }
  std::string unavailable_reason() const override { return reason_; }

 private:
  std::string name_, reason_;
};

}  // namespace

CounterSet hostCounterSet(const NicSelection& nic) {
  if (nic.interface.empty()) return hostCounterSet();
  CounterSet set;
  for (const auto& source : counterSourceRegistry()) {
    if (!source.host) continue;
    if (source.name == "netdev") {
      set.add(std::make_unique<NetdevCounterSource>(NetdevSourceOptions{.host = "", .interfaces = {nic.interface}}));
    } else if (source.name == "ethtool") {
      EthtoolSourceOptions o;
      o.interfaces = {nic.interface};
      set.add(std::make_unique<EthtoolCounterSource>(o));
    } else if (source.name == "infiniband") {
      if (nic.device.empty()) {
        set.add(std::make_unique<UnavailableSource>("infiniband", "no RDMA device on " + nic.interface));
      } else {
        set.add(std::make_unique<InfinibandCounterSource>(InfinibandSourceOptions{.host = "", .devices = {nic.device}}));
      }
    } else {
      set.add(source.create());
    }
  }
  return set;
}

void CountersAround::begin() {
  before_ = set_.snapshot();
  if (sampling_.interval_ns > 0) {
    sampler_ = std::make_unique<CounterSampler>(set_, sampling_);
    sampler_->start(*before_);
  }
}

json CountersAround::end() {
  if (!before_) throw Error("counters: end() without begin()");
  if (sampler_) sampler_->stop();
  const std::vector<SourceSnapshot> after = set_.snapshot();
  const auto d = deltas(*before_, after);
  const FlatMetrics flat = flatMetrics(d);
  json out = toJson(d);
  out["metrics"] = flat.values;
  out["missing"] = flat.missing;
  json contributors = json::object();
  for (const auto& [metric, list] : flat.contributors) {
    if (metric.rfind("nic.", 0) != 0 && metric.rfind("rdma.", 0) != 0) continue;  // what verdicts name
    for (const Contribution& c : list) contributors[metric].push_back({{"counter", c.counter}, {"delta", c.delta}});
  }
  out["contributors"] = std::move(contributors);
  if (sampler_) {
    json sources = json::array();
    for (const CounterSeries& s : sampler_->finish(after)) {
      if (!s.lines.empty()) sources.push_back(seriesToJson(s));
    }
    out["series"] = {{"interval_ns", sampler_->interval_ns()}, {"sources", std::move(sources)}};
    sampler_.reset();
  }
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
