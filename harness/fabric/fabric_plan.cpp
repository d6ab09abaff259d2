#include "harness/fabric/fabric_plan.h"

#include <algorithm>

#include "harness/fabric/fabric_neighbours.h"

namespace fabcheck::fabric {
namespace {

using Argv = std::vector<std::string>;

Argv ipn(const std::string& ns, std::initializer_list<std::string> rest) {
  Argv a{"ip", "-n", ns};
  a.insert(a.end(), rest);
  return a;
}

Argv inNs(const std::string& ns, std::initializer_list<std::string> rest) {
  Argv a{"ip", "netns", "exec", ns};
  a.insert(a.end(), rest);
  return a;
}

std::string usText(int64_t ns) { return std::to_string((ns + 999) / 1000) + "us"; }

}  // namespace

std::vector<std::string> undoCommand(const Created& c) {
  if (c.kind == Created::Kind::kNamespace) return {"ip", "netns", "del", c.name};
  if (c.kind == Created::Kind::kBpfPins) return {"rm", "-rf", "--", c.name};
  return {"ip", "link", "del", "dev", c.name};
}

uint64_t htbBurstBytes(uint64_t rate_bps) { return std::max<uint64_t>(2 * 1514, rate_bps / 8 / 1000); }

std::vector<std::vector<std::string>> shapingCommands(const FabricPort& p) {
  const PortShaping& s = p.shaping;
  std::vector<Argv> v;
  v.push_back({"tc", "-n", p.ns, "qdisc", "add", "dev", p.dev, "root", "handle", "1:", "htb", "default", "1"});
  const std::string rate = std::to_string(s.rate_bps) + "bit";
  const std::string burst = std::to_string(htbBurstBytes(s.rate_bps));
  v.push_back({"tc", "-n", p.ns, "class", "add", "dev", p.dev, "parent", "1:", "classid", "1:1", "htb", "rate", rate, "ceil",
               rate, "burst", burst, "cburst", burst, "quantum", "1514"});
  Argv leaf{"tc", "-n", p.ns, "qdisc", "add", "dev", p.dev, "parent", "1:1", "handle", "10:"};
  if (s.delay_ns) {
    leaf.insert(leaf.end(), {"netem", "delay", usText(s.delay_ns), "limit", std::to_string(s.queue_packets)});
  } else if (s.queue_bytes) {
    leaf.insert(leaf.end(), {"bfifo", "limit", std::to_string(s.queue_bytes)});
  } else {
    leaf.insert(leaf.end(), {"pfifo", "limit", std::to_string(s.queue_packets)});
  }
  v.push_back(leaf);
  return v;
}

std::optional<EcnPort> ecnPortOf(const FabricPort& p, const std::string& pin_dir) {
  const PortShaping& s = p.shaping;
  if (!s.marksEcn()) return std::nullopt;
  return EcnPort{.ns = p.ns, .dev = p.dev, .pin_path = ecnPinPath(pin_dir, p.ns, p.dev), .rate_bps = s.rate_bps,
                 .threshold_bytes = s.ecn_threshold_bytes, .threshold_packets = s.ecn_threshold_packets,
                 .queue_bytes = s.delay_ns ? 0 : s.queue_bytes, .queue_packets = s.queue_packets};
}

namespace {

// The steps of planUp(), in order; add() appends a step that creates nothing.
struct Plan {
  std::vector<PlanStep> steps;
  void add(Argv a) { steps.push_back({std::move(a), std::nullopt, false}); }
  void creates(Argv a, Created::Kind kind, const std::string& name) { steps.push_back({std::move(a), Created{kind, name}, false}); }
};

// One namespace per node (hosts, switch / leaves and spines), and the netem probe once.
void planNamespaces(const FabricLayout& l, Plan& plan) {
  bool probed = false;
  for (const auto& node : l.nodes) {
    plan.creates({"ip", "netns", "add", node.ns}, Created::Kind::kNamespace, node.ns);
    plan.add(ipn(node.ns, {"link", "set", "dev", "lo", "up"}));
    plan.add(inNs(node.ns, {"sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"}));
    if (node.role == NodeRole::kLeaf || node.role == NodeRole::kSpine) {
      plan.add(inNs(node.ns, {"sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv4.fib_multipath_hash_policy=1",
                              "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"}));
    }
    if (!probed && wantsDelay(l.spec)) {
      plan.steps.push_back({{"tc", "-n", node.ns, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"}, std::nullopt, true});
      plan.add({"tc", "-n", node.ns, "qdisc", "del", "dev", "lo", "root"});
      probed = true;
    }
  }
}

// Management network: root-namespace bridge, one veth per host.
void planManagement(const FabricLayout& l, Plan& plan) {
  plan.creates({"ip", "link", "add", "name", l.mgmt_bridge, "type", "bridge"}, Created::Kind::kRootLink, l.mgmt_bridge);
  plan.add({"ip", "addr", "add", l.controller_address + "/24", "dev", l.mgmt_bridge});
  plan.add({"ip", "link", "set", "dev", l.mgmt_bridge, "up"});
  for (size_t i = 0; i < l.hosts.size(); ++i) {
    const FabricHost& h = l.hosts[i];
    const std::string& root_dev = l.mgmt_root_devs[i];
    plan.creates({"ip", "link", "add", "name", root_dev, "type", "veth", "peer", "name", "mgmt0", "netns", h.ns},
                 Created::Kind::kRootLink, root_dev);
    plan.add({"ip", "link", "set", "dev", root_dev, "master", l.mgmt_bridge});
    plan.add({"ip", "link", "set", "dev", root_dev, "up"});
    plan.add(ipn(h.ns, {"addr", "add", h.mgmt_address + "/24", "dev", "mgmt0"}));
    plan.add(ipn(h.ns, {"link", "set", "dev", "mgmt0", "up"}));
  }
}

// A host's end of its data link: address, up, no segmentation offloads. Every data device of the
// fabric is up with multicast off (and the bridge without IGMP snooping): a device that joins
// multicast groups sends IGMP reports when it comes up, which cross the data ports and, in a
// full queue, were drops that were not the test's (fabric_foreign_packets_test).
void planHostSide(const FabricHost& h, const std::string& cidr, Plan& plan) {
  plan.add(ipn(h.ns, {"addr", "add", cidr, "dev", "eth0"}));
  plan.add(ipn(h.ns, {"link", "set", "dev", "eth0", "multicast", "off", "up"}));
  plan.add(inNs(h.ns, {"ethtool", "-K", "eth0", "tso", "off", "gso", "off", "tx-udp-segmentation", "off"}));
}

// One switch namespace bridging a port per host.
void planSwitch(const FabricLayout& l, Plan& plan) {
  const std::string sw = l.nodes.front().ns;
  plan.add(ipn(sw, {"link", "add", "name", "br0", "type", "bridge", "mcast_snooping", "0"}));
  plan.add(ipn(sw, {"link", "set", "dev", "br0", "multicast", "off", "up"}));
  for (size_t i = 0; i < l.hosts.size(); ++i) {
    const std::string port = "p" + std::to_string(i);
    const int host = static_cast<int>(i);
    plan.add(ipn(sw, {"link", "add", "name", port, "address", switchPortMac(l.net, host), "type", "veth", "peer", "name", "eth0",
                      "address", hostMac(l.net, host), "netns", l.hosts[i].ns}));
    plan.add(ipn(sw, {"link", "set", "dev", port, "master", "br0"}));
    plan.add(ipn(sw, {"link", "set", "dev", port, "multicast", "off", "up"}));
    planHostSide(l.hosts[i], l.hosts[i].data_address + "/24", plan);
  }
}

// Leaf-spine: a routed /31 per host-leaf and leaf-spine link; leaves spread over the spines (ECMP).
void planLeafSpine(const FabricLayout& l, Plan& plan) {
  const FabricSpec& spec = l.spec;
  const std::string n = "10." + std::to_string(l.net) + ".";
  const std::string p = namespacePrefix(spec.name);
  for (size_t i = 0; i < l.hosts.size(); ++i) {
    const FabricHost& h = l.hosts[i];
    const std::string leaf = p + "l" + std::to_string(h.leaf);
    const std::string gw = n + "1." + std::to_string(2 * i);
    const int host = static_cast<int>(i);
    plan.add(ipn(leaf, {"link", "add", "name", h.name, "address", leafHostPortMac(l.net, h.leaf, host), "type", "veth", "peer",
                        "name", "eth0", "address", hostMac(l.net, host), "netns", h.ns}));
    plan.add(ipn(leaf, {"addr", "add", gw + "/31", "dev", h.name}));
    plan.add(ipn(leaf, {"link", "set", "dev", h.name, "multicast", "off", "up"}));
    planHostSide(h, h.data_address + "/31", plan);
    plan.add(ipn(h.ns, {"route", "add", n + "0.0/17", "via", gw, "dev", "eth0"}));
  }
  auto leafAddr = [&](int a, int b) { return n + "2." + std::to_string(2 * (a * spec.spines + b)); };
  auto spineAddr = [&](int a, int b) { return n + "2." + std::to_string(2 * (a * spec.spines + b) + 1); };
  for (int a = 0; a < spec.leaves; ++a) {
    for (int b = 0; b < spec.spines; ++b) {
      const std::string leaf = p + "l" + std::to_string(a), spine = p + "s" + std::to_string(b);
      const std::string ld = "s" + std::to_string(b), sd = "l" + std::to_string(a);
      plan.add(ipn(leaf, {"link", "add", "name", ld, "address", leafSpinePortMac(l.net, a, b), "type", "veth", "peer", "name", sd,
                          "address", spineLeafPortMac(l.net, b, a), "netns", spine}));
      plan.add(ipn(leaf, {"addr", "add", leafAddr(a, b) + "/31", "dev", ld}));
      plan.add(ipn(spine, {"addr", "add", spineAddr(a, b) + "/31", "dev", sd}));
      plan.add(ipn(leaf, {"link", "set", "dev", ld, "multicast", "off", "up"}));
      plan.add(ipn(spine, {"link", "set", "dev", sd, "multicast", "off", "up"}));
    }
  }
  for (int a = 0; a < spec.leaves; ++a) {
    Argv r = ipn(p + "l" + std::to_string(a), {"route", "add", n + "1.0/24"});
    if (spec.spines == 1) {
      r.insert(r.end(), {"via", spineAddr(a, 0), "dev", "s0"});
    } else {
      for (int b = 0; b < spec.spines; ++b) r.insert(r.end(), {"nexthop", "via", spineAddr(a, b), "dev", "s" + std::to_string(b)});
    }
    plan.add(r);
  }
  for (int b = 0; b < spec.spines; ++b) {
    for (size_t i = 0; i < l.hosts.size(); ++i) {
      const int a = l.hosts[i].leaf;
      plan.add(ipn(p + "s" + std::to_string(b), {"route", "add", n + "1." + std::to_string(2 * i) + "/31", "via", leafAddr(a, b),
                                                  "dev", "l" + std::to_string(a)}));
    }
  }
}

// Permanent neighbours (one `ip -batch` per namespace) and, on a switch, static FDB entries
// (fabric_neighbours.h): after every link is up, since taking a link down flushes its entries.
void planNeighbours(const FabricLayout& l, Plan& plan) {
  const auto neighbours = staticNeighbours(l);
  for (const auto& node : l.nodes) {
    std::string batch = neighbourBatch(neighbours, node.ns);
    if (!batch.empty()) plan.steps.push_back({{"ip", "-n", node.ns, "-batch"}, std::nullopt, false, "", std::nullopt, false, std::move(batch)});
  }
  const auto fdb = staticFdb(l);
  if (fdb.empty()) return;
  const std::string& sw = fdb.front().ns;
  plan.steps.push_back({{"bridge", "-n", sw, "-batch"}, std::nullopt, false, "", std::nullopt, false, fdbBatch(fdb, sw)});
}

}  // namespace

std::vector<PlanStep> planUp(const FabricLayout& l) {
  Plan plan;
  planNamespaces(l, plan);
  planManagement(l, plan);
  if (l.spec.topology == Topology::kSwitch) {
    planSwitch(l, plan);
  } else {
    planLeafSpine(l, plan);
  }
  planNeighbours(l, plan);
  plan.steps.push_back({{}, std::nullopt, false, "", std::nullopt, true});
  for (const auto& port : l.ports) {
    for (auto& c : shapingCommands(port)) plan.add(std::move(c));
  }
  const std::string pin_dir = ecnPinDir(l.spec.name);
  bool dir_made = false;
  for (const auto& port : l.ports) {
    auto ecn = ecnPortOf(port, pin_dir);
    if (!ecn) continue;
    if (!dir_made) {
      plan.steps.push_back({{}, Created{Created::Kind::kBpfPins, pin_dir}, false, pin_dir, std::nullopt});
      dir_made = true;
    }
    plan.steps.push_back({{}, std::nullopt, false, "", std::move(ecn)});
  }
  return plan.steps;
}

}  // namespace fabcheck::fabric
