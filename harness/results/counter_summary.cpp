#include "harness/results/counter_summary.h"

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

}  // namespace

void addCounters(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents, json& record) {
  json per_agent = json::object();
  std::set<std::string> seen;
  std::vector<std::map<std::string, double>> hosts;
  for (const auto& [a, c] : t.host_counters) {
    per_agent[std::to_string(a)] = c;
    const bool known = a >= 0 && a < static_cast<int>(agents.size());
    const std::string machine = known ? (agents[static_cast<size_t>(a)].boot_id.empty() ? agents[static_cast<size_t>(a)].host
                                                                                      : agents[static_cast<size_t>(a)].boot_id)
                                      : std::to_string(a);
    if (seen.insert(machine + "/" + c.value("netns", std::string())).second) hosts.push_back(metricsOf(c));
  }
  std::map<std::string, double> host_sum;
  if (!hosts.empty()) {
    for (const auto& [name, v] : hosts.front()) {
      double sum = 0;
      bool everywhere = true;
      for (const auto& h : hosts) {
        auto it = h.find(name);
        if (it == h.end()) everywhere = false;
        else sum += it->second;
      }
      if (everywhere) host_sum[name] = sum;
    }
  }
  json& metrics = record["metrics"];
  nest(metrics, host_sum);
  nest(metrics, metricsOf(t.fabric_counters));
  record["counters"] = {{"fabric", t.fabric_counters.is_null() ? json(nullptr) : t.fabric_counters},
                        {"agents", per_agent}};
}

}  // namespace fabcheck::results
