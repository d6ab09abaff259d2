// Where everything of an emulated fabric lives: namespace and interface names, addresses,
// routes, and which ports are shaped. Pure: computed from the spec and the chosen net, so the
// state file only needs those two to describe a fabric that is up.
//
// Naming (everything carries the "fc" prefix; interface names stay within 15 characters):
//   namespaces   fc-<name>-h<i> (hosts), fc-<name>-sw (the switch), fc-<name>-l<a> / -s<b>
//                (leaves / spines)
//   root links   fc<name>mb (the management bridge), fc<name>m<i> (host i's management veth)
//   inside       eth0 (a host's data interface), mgmt0 (its management interface); switch ports
//                p<i> (toward host i); leaf ports h<i> (toward host i) and s<b> (toward spine b);
//                spine ports l<a> (toward leaf a)
// Addresses (net N = 10.N.0.0/16):
//   switch       host i data 10.N.0.<i+1>/24
//   leaf-spine   host i 10.N.1.<2i+1>/31, its leaf 10.N.1.<2i>/31; leaf a ↔ spine b link
//                k = a*spines+b: leaf 10.N.2.<2k>/31, spine 10.N.2.<2k+1>/31
//   management   root 10.N.255.254/24 (the controller's address), host i 10.N.255.<i+1>/24
// Hosts over leaves: in blocks (host i on leaf i*leaves/hosts), like racks.
#pragma once

#include <string>
#include <vector>

#include "harness/fabric/fabric_spec.h"

namespace fabcheck::fabric {

struct FabricHost {
  std::string name;          // "h0"
  std::string ns;            // "fc-<name>-h0"
  std::string data_address;  // on eth0
  std::string mgmt_address;  // on mgmt0
  int leaf = -1;             // leaf-spine: its leaf
};

// One shaped egress port of a switch, leaf or spine (or, for an overridden host link, the
// host's own eth0 so that the slow link is slow in both directions).
struct FabricPort {
  std::string ns;
  std::string dev;
  std::string link;    // "h2", "l0-s1": the link it sends into (for overrides and status)
  std::string toward;  // "h2", "leaf0", "spine1"
  PortShaping shaping;
};

// A point-to-point or switch link, for status.
struct FabricLink {
  std::string name;  // "h2", "l0-s1"
  std::string a;     // "fc-x-sw:p2" style endpoints
  std::string b;
};

enum class NodeRole { kHost, kSwitch, kLeaf, kSpine };

struct FabricNode {
  std::string ns;
  NodeRole role = NodeRole::kHost;
};

struct FabricLayout {
  FabricSpec spec;
  int net = 0;
  std::vector<FabricNode> nodes;  // creation order: switches/leaves/spines first, then hosts
  std::vector<FabricHost> hosts;
  std::vector<FabricPort> ports;
  std::vector<FabricLink> links;
  std::string mgmt_bridge;        // in the root namespace
  std::vector<std::string> mgmt_root_devs;  // host i's root-side management veth
  std::string controller_address; // root side of the management network
  std::string data_prefix;        // "10.N.0.0/16"
};

// Throws ConfigError when net is not 1..254.
FabricLayout makeLayout(const FabricSpec& spec, int net);

std::string namespacePrefix(const std::string& fabric_name);  // "fc-<name>-"

}  // namespace fabcheck::fabric
