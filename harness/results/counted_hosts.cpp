#include "harness/results/counted_hosts.h"

#include <map>
#include <set>

namespace fabcheck::results {

std::vector<CountedHost> countedHosts(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents) {
  std::vector<CountedHost> out;
  std::map<std::string, size_t> seen;  // machine/netns → index in out
  for (const auto& [a, c] : t.host_counters) {
    const bool known = a >= 0 && a < static_cast<int>(agents.size());
    const model::AgentInfo* info = known ? &agents[static_cast<size_t>(a)] : nullptr;
    const std::string machine = info ? (info->boot_id.empty() ? info->host : info->boot_id) : std::to_string(a);
    const auto [it, fresh] = seen.emplace(machine + "/" + c.value("netns", std::string()), out.size());
    if (!fresh) {
      out[it->second].sharing.push_back(a);
      continue;
    }
    out.push_back({a, info ? info->host : "#" + std::to_string(a), &c, {a}});
  }
  // Hosts counted more than once under one name (agents in their own network namespaces on one
  // machine: the emulated fabric, local agents): "name #agent", so a finding names the right one.
  std::map<std::string, int> uses;
  for (const auto& h : out) ++uses[h.name];
  for (auto& h : out) {
    if (uses[h.name] > 1) h.name += " #" + std::to_string(h.agent);
  }
  return out;
}

}  // namespace fabcheck::results
