#include "harness/fabric/fabric_plan.h"

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
  return {"ip", "link", "del", "dev", c.name};
}

std::vector<std::vector<std::string>> shapingCommands(const FabricPort& p) {
  const PortShaping& s = p.shaping;
  std::vector<Argv> v;
  v.push_back({"tc", "-n", p.ns, "qdisc", "add", "dev", p.dev, "root", "handle", "1:", "htb", "default", "1"});
  const std::string rate = std::to_string(s.rate_bps) + "bit";
  v.push_back({"tc", "-n", p.ns, "class", "add", "dev", p.dev, "parent", "1:", "classid", "1:1", "htb", "rate", rate, "ceil",
               rate, "quantum", "1514"});
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

std::vector<PlanStep> planUp(const FabricLayout& l) {
  std::vector<PlanStep> steps;
  auto add = [&](Argv a) { steps.push_back({std::move(a), std::nullopt, false}); };
  const FabricSpec& spec = l.spec;
  const std::string n = "10." + std::to_string(l.net) + ".";

  bool probed = false;
  for (const auto& node : l.nodes) {
    steps.push_back({{"ip", "netns", "add", node.ns}, Created{Created::Kind::kNamespace, node.ns}, false});
    add(ipn(node.ns, {"link", "set", "dev", "lo", "up"}));
    add(inNs(node.ns, {"sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"}));
    if (node.role == NodeRole::kLeaf || node.role == NodeRole::kSpine) {
      add(inNs(node.ns, {"sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv4.fib_multipath_hash_policy=1",
                         "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"}));
    }
    if (!probed && wantsDelay(spec)) {
      steps.push_back({{"tc", "-n", node.ns, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"}, std::nullopt, true});
      add({"tc", "-n", node.ns, "qdisc", "del", "dev", "lo", "root"});
      probed = true;
    }
  }

  // Management network: root-namespace bridge, one veth per host.
  steps.push_back({{"ip", "link", "add", "name", l.mgmt_bridge, "type", "bridge"}, Created{Created::Kind::kRootLink, l.mgmt_bridge}, false});
  add({"ip", "addr", "add", l.controller_address + "/24", "dev", l.mgmt_bridge});
  add({"ip", "link", "set", "dev", l.mgmt_bridge, "up"});
  for (size_t i = 0; i < l.hosts.size(); ++i) {
    const FabricHost& h = l.hosts[i];
    const std::string& root_dev = l.mgmt_root_devs[i];
    steps.push_back({{"ip", "link", "add", "name", root_dev, "type", "veth", "peer", "name", "mgmt0", "netns", h.ns},
                     Created{Created::Kind::kRootLink, root_dev}, false});
    add({"ip", "link", "set", "dev", root_dev, "master", l.mgmt_bridge});
    add({"ip", "link", "set", "dev", root_dev, "up"});
    add(ipn(h.ns, {"addr", "add", h.mgmt_address + "/24", "dev", "mgmt0"}));
    add(ipn(h.ns, {"link", "set", "dev", "mgmt0", "up"}));
  }

  // Data links.
  auto hostSide = [&](const FabricHost& h, const std::string& cidr) {
    add(ipn(h.ns, {"addr", "add", cidr, "dev", "eth0"}));
    add(ipn(h.ns, {"link", "set", "dev", "eth0", "up"}));
    add(inNs(h.ns, {"ethtool", "-K", "eth0", "tso", "off", "gso", "off", "tx-udp-segmentation", "off"}));
  };
  if (spec.topology == Topology::kSwitch) {
    const std::string sw = l.nodes.front().ns;
    add(ipn(sw, {"link", "add", "name", "br0", "type", "bridge"}));
    add(ipn(sw, {"link", "set", "dev", "br0", "up"}));
    for (size_t i = 0; i < l.hosts.size(); ++i) {
      const std::string port = "p" + std::to_string(i);
      add(ipn(sw, {"link", "add", "name", port, "type", "veth", "peer", "name", "eth0", "netns", l.hosts[i].ns}));
      add(ipn(sw, {"link", "set", "dev", port, "master", "br0"}));
      add(ipn(sw, {"link", "set", "dev", port, "up"}));
      hostSide(l.hosts[i], l.hosts[i].data_address + "/24");
    }
  } else {
    const std::string p = namespacePrefix(spec.name);
    for (size_t i = 0; i < l.hosts.size(); ++i) {
      const FabricHost& h = l.hosts[i];
      const std::string leaf = p + "l" + std::to_string(h.leaf);
      const std::string gw = n + "1." + std::to_string(2 * i);
      add(ipn(leaf, {"link", "add", "name", h.name, "type", "veth", "peer", "name", "eth0", "netns", h.ns}));
      add(ipn(leaf, {"addr", "add", gw + "/31", "dev", h.name}));
      add(ipn(leaf, {"link", "set", "dev", h.name, "up"}));
      hostSide(h, h.data_address + "/31");
      add(ipn(h.ns, {"route", "add", n + "0.0/17", "via", gw, "dev", "eth0"}));
    }
    auto leafAddr = [&](int a, int b) { return n + "2." + std::to_string(2 * (a * spec.spines + b)); };
    auto spineAddr = [&](int a, int b) { return n + "2." + std::to_string(2 * (a * spec.spines + b) + 1); };
    for (int a = 0; a < spec.leaves; ++a) {
      for (int b = 0; b < spec.spines; ++b) {
        const std::string leaf = p + "l" + std::to_string(a), spine = p + "s" + std::to_string(b);
        const std::string ld = "s" + std::to_string(b), sd = "l" + std::to_string(a);
        add(ipn(leaf, {"link", "add", "name", ld, "type", "veth", "peer", "name", sd, "netns", spine}));
        add(ipn(leaf, {"addr", "add", leafAddr(a, b) + "/31", "dev", ld}));
        add(ipn(spine, {"addr", "add", spineAddr(a, b) + "/31", "dev", sd}));
        add(ipn(leaf, {"link", "set", "dev", ld, "up"}));
        add(ipn(spine, {"link", "set", "dev", sd, "up"}));
      }
    }
    for (int a = 0; a < spec.leaves; ++a) {
      Argv r = ipn(p + "l" + std::to_string(a), {"route", "add", n + "1.0/24"});
      if (spec.spines == 1) {
        r.insert(r.end(), {"via", spineAddr(a, 0), "dev", "s0"});
      } else {
        for (int b = 0; b < spec.spines; ++b) r.insert(r.end(), {"nexthop", "via", spineAddr(a, b), "dev", "s" + std::to_string(b)});
      }
      add(r);
    }
    for (int b = 0; b < spec.spines; ++b) {
      for (size_t i = 0; i < l.hosts.size(); ++i) {
        const int a = l.hosts[i].leaf;
        add(ipn(p + "s" + std::to_string(b), {"route", "add", n + "1." + std::to_string(2 * i) + "/31", "via", leafAddr(a, b), "dev",
                                             "l" + std::to_string(a)}));
      }
    }
  }

  for (const auto& port : l.ports) {
    for (auto& c : shapingCommands(port)) add(std::move(c));
  }
  return steps;
}

}  // namespace fabcheck::fabric
