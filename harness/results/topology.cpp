#include "harness/results/topology.h"

#include <map>

namespace fabcheck::results {

using nlohmann::json;

namespace {

// The hosts-file entry holding agent `id`'s slot; null past the last slot.
const launch::HostEntry* entryOfSlot(const std::vector<launch::HostEntry>& hosts, int id) {
  int first = 0;
  for (const auto& h : hosts) {
    if (id < first + h.slots) return &h;
    first += h.slots;
  }
  return nullptr;
}

std::string label(const launch::HostEntry& h, const char* key) {
  const auto it = h.labels.find(key);
  return it == h.labels.end() ? "" : it->second;
}

}  // namespace

std::vector<std::string> applyHostsTopology(std::vector<model::AgentInfo>& agents,
                                            const std::vector<launch::HostEntry>& hosts) {
  std::vector<std::string> warnings;
  for (auto& a : agents) {
    const launch::HostEntry* h = entryOfSlot(hosts, a.id);
    if (h == nullptr) continue;
    const std::string sw = label(*h, "switch"), port = label(*h, "port");
    if (sw.empty()) {
      if (!port.empty()) warnings.push_back("hosts file: " + h->name + ": port=" + port + " without switch= is ignored");
      continue;
    }
    const std::string lldp = a.topology_source == "lldp" ? switchPort(a) : "";
    model::AgentInfo given = a;
    given.switch_name = sw;
    given.switch_port = port;
    if (!lldp.empty() && lldp != switchPort(given)) {
      warnings.push_back("agent " + std::to_string(a.id) + " (" + a.host + "): the hosts file says " + switchPort(given) +
                         ", LLDP says " + lldp + "; using the hosts file");
      a.topology_note = "LLDP says " + lldp;
    } else {
      a.topology_note.clear();
    }
    a.switch_name = sw;
    a.switch_port = port;
    a.topology_source = "hosts";
  }
  return warnings;
}

std::string switchPort(const model::AgentInfo& a) {
  if (a.switch_name.empty()) return "";
  return a.switch_port.empty() ? a.switch_name : a.switch_name + ":" + a.switch_port;
}

std::string linkName(const model::AgentInfo& a) {
  const std::string sp = switchPort(a);
  return sp.empty() ? a.host : a.host + " ↔ " + sp;
}

std::string linkName(const std::vector<model::AgentInfo>& agents, int id) {
  for (const auto& a : agents) {
    if (a.id == id) return linkName(a);
  }
  return "?";
}

json agentsJsonTopology(const json& agents) {
  json out = json::object();
  if (!agents.is_array()) return out;
  std::map<std::string, int> uses;  // agents per host name: several (the emulated fabric) get "host #id"
  for (const auto& a : agents) {
    if (a.is_object() && a.contains("host") && a["host"].is_string()) ++uses[a["host"].get<std::string>()];
  }
  for (const auto& a : agents) {
    if (!a.is_object() || !a.contains("switch") || !a["switch"].is_string() || !a.contains("host") || !a["host"].is_string()) continue;
    std::string host = a["host"].get<std::string>();
    if (uses[host] > 1) host += " #" + a.value("id", json(-1)).dump();
    out[host] = {{"switch", a["switch"]}, {"port", a.value("switch_port", json(nullptr))}, {"source", a.value("topology_source", json(nullptr))}};
  }
  return out;
}

}  // namespace fabcheck::results
