// What the controller knows of one registered agent: who it is, its host's facts, its clock
// offset, and whether it was lost. Filled at registration and clock measurement; read by the
// runner, results and reports.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "generators/core/interfaces.h"

namespace fabcheck::model {

struct AgentInfo {
  int id = 0;
  std::string host, boot_id, version;
  int pid = 0;
  std::string peer;                 // control connection's remote address
  // Host facts reported at registration (empty when the agent did not report them):
  std::string kernel;               // uname release, e.g. "6.1.0-18-amd64"
  std::string clock_source;         // kernel clock source, e.g. "tsc", "kvm-clock"
  std::vector<std::string> rdma_devices;   // /sys/class/infiniband names; empty: none
  std::vector<NetInterface> interfaces;    // name, index, up/loopback, MTU, addresses/prefix
  // The switch port the agent's data interface is cabled to (docs/switches.md "Topology from
  // LLDP"): from its host's lldpd at registration, or the hosts file's switch=/port= labels,
  // which win. source "lldp" | "hosts", empty when unknown; topology_note: why it is unknown,
  // or the LLDP neighbour the hosts file overrode.
  std::string switch_name, switch_port, topology_source, topology_note;
  int64_t clock_offset_ns = 0;      // agent clock − controller clock (CLOCK_REALTIME)
  // |error| ≤ this: half the best of several round trips (NTP-style, min-RTT filtered); 0 when
  // the agent runs on the controller's kernel (same boot id: one clock); −1 = unmeasured.
  int64_t offset_bound_ns = -1;
  bool lost = false;
  std::string lost_reason;
  // Never registered, and the run went on without it (min_agents): lost from the start, its
  // lost_reason says why, host is its slot's host; tests over "all agents" leave it out.
  bool dropped = false;
};

}  // namespace fabcheck::model
