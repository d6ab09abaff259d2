// Host ↔ switch port: which switch port each agent's data interface is cabled to, and the names
// findings give links (docs/switches.md "Topology from LLDP", docs/results.md "topology").
//
// Contract:
// - applyHostsTopology(agents, hosts): the hosts file's labels `switch=NAME [port=PORT]` of the
//   entry holding agent i's slot (one agent per slot, in the file's order) set that agent's
//   switch and port with source "hosts". The hosts file wins over LLDP; when the agent's lldpd
//   said otherwise, the returned warnings have one line naming both, and the agent's
//   topology_note keeps the LLDP one. `port` without `switch` is a warning and is ignored.
// - switchPort(a): "leaf3:Ethernet12" ("leaf3" without a port); empty when unknown.
// - linkName(a): "h17 ↔ leaf3:Ethernet12", or just the host when the port is unknown.
// - agentsJsonTopology(agents_json): the results' `topology` object from the agents' JSON
//   (test_summary.h agentJson): {host: {switch, port, source}} over the agents whose switch is
//   known; a host name several agents registered with (agents in namespaces of one machine)
//   is keyed "host #<agent id>" per agent. An empty object when no switch is known.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/launch/hosts.h"
#include "harness/model/agent_info.h"

namespace fabcheck::results {

std::vector<std::string> applyHostsTopology(std::vector<model::AgentInfo>& agents,
                                            const std::vector<launch::HostEntry>& hosts);

std::string switchPort(const model::AgentInfo& a);
std::string linkName(const model::AgentInfo& a);
// By agent id; the host ("?") alone for an id the run does not have.
std::string linkName(const std::vector<model::AgentInfo>& agents, int id);

nlohmann::json agentsJsonTopology(const nlohmann::json& agents);

}  // namespace fabcheck::results
