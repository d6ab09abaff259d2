#include "harness/results/counter_summary.h"

#include "harness/results/counted_hosts.h"
#include "harness/results/counter_record.h"

#include <map>
#include <set>
#include <string>

namespace fabcheck::results {

using nlohmann::json;

namespace {

// "host.socket_drops" = 3 → metrics["host"]["socket_drops"] = 3 (flattened back by the SLO layer).
void nest(json& metrics, const std::map<std::string, double>& flat) {
  for (const auto& [name, v] : flat) {
    const auto dot = name.find('.');
    if (dot == std::string::npos) continue;
    metrics[name.substr(0, dot)][name.substr(dot + 1)] = v;
  }
}

std::map<std::string, double> metricsOf(const json& counters) {
  std::map<std::string, double> out;
  if (!counters.is_object() || !counters.contains("metrics") || !counters["metrics"].is_object()) return out;
  for (const auto& [k, v] : counters["metrics"].items()) {
    if (v.is_number()) out[k] = v.get<double>();
  }
  return out;
}

// The metric's value summed over the hosts, or why it is absent (the first host without it).
void sumOverHosts(const std::vector<CountedHost>& hosts, std::map<std::string, double>& sum,
                  std::map<std::string, std::string>& missing) {
  std::vector<std::map<std::string, double>> values;  // each host's metrics, read once
  std::set<std::string> names;
  for (const auto& h : hosts) {
    values.push_back(metricsOf(*h.counters));
    for (const auto& [k, v] : values.back()) names.insert(k);
    if (h.counters->contains("missing") && (*h.counters)["missing"].is_object()) {
      for (const auto& [k, v] : (*h.counters)["missing"].items()) names.insert(k);
    }
  }
  for (const auto& name : names) {
    double total = 0;
    std::string why;
    for (size_t i = 0; i < hosts.size(); ++i) {
      if (auto it = values[i].find(name); it != values[i].end()) {
        total += it->second;
        continue;
      }
      const json& miss = hosts[i].counters->value("missing", json::object());
      why = hosts[i].name + ": " + (miss.contains(name) && miss[name].is_string() ? miss[name].get<std::string>()
                                                                                   : std::string("not read"));
      break;
    }
    if (why.empty()) sum[name] = total;
    else missing[name] = why;
  }
}

}  // namespace

void addCounters(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents, json& record) {
  const std::vector<CountedHost> hosts = countedHosts(t, agents);
  std::map<std::string, double> host_sum;
  std::map<std::string, std::string> missing;
  sumOverHosts(hosts, host_sum, missing);
  json& metrics = record["metrics"];
  const std::map<std::string, double> fabric_sum = metricsOf(t.fabric_counters);
  nest(metrics, host_sum);
  nest(metrics, fabric_sum);
  // A metric is missing when neither the hosts nor the fabric (the controller's sources) have it;
  // the hosts' reason first, the fabric's for names the hosts do not know (switch.*).
  json& why = record["metrics_missing"];
  if (!why.is_object()) why = json::object();
  auto present = [&](const std::string& name) { return host_sum.count(name) > 0 || fabric_sum.count(name) > 0; };
  for (const auto& [name, reason] : missing) {
    if (!present(name)) why[name] = reason;
  }
  if (t.fabric_counters.is_object() && t.fabric_counters.contains("missing") && t.fabric_counters["missing"].is_object()) {
    for (const auto& [name, reason] : t.fabric_counters["missing"].items()) {
      if (!present(name) && !missing.count(name)) why[name] = "fabric: " + reason.get<std::string>();
    }
  }
  record["counters"] = counterRecord(t, hosts, t.spec.counters.full_snapshots);
}

}  // namespace fabcheck::results
