#include "harness/fabric/fabric_layout.h"

#include "generators/core/errors.h"

namespace fabcheck::fabric {

std::string namespacePrefix(const std::string& fabric_name) { return "fc-" + fabric_name + "-"; }

FabricLayout makeLayout(const FabricSpec& spec, int net) {
  if (net < 1 || net > 254) throw ConfigError("fabric " + spec.name + ": net " + std::to_string(net) + " is not 1..254");
  FabricLayout l;
  l.spec = spec;
  l.net = net;
  const std::string p = namespacePrefix(spec.name);
  const std::string n = "10." + std::to_string(net) + ".";
  l.data_prefix = n + "0.0/16";
  l.mgmt_bridge = "fc" + spec.name + "mb";
  l.controller_address = n + "255.254";
  if (spec.topology == Topology::kSwitch) {
    l.nodes.push_back({p + "sw", NodeRole::kSwitch});
  } else {
    for (int a = 0; a < spec.leaves; ++a) l.nodes.push_back({p + "l" + std::to_string(a), NodeRole::kLeaf});
    for (int b = 0; b < spec.spines; ++b) l.nodes.push_back({p + "s" + std::to_string(b), NodeRole::kSpine});
  }
  for (int i = 0; i < spec.hosts; ++i) {
    FabricHost h;
    h.name = "h" + std::to_string(i);
    h.ns = p + h.name;
    h.mgmt_address = n + "255." + std::to_string(i + 1);
    if (spec.topology == Topology::kSwitch) {
      h.data_address = n + "0." + std::to_string(i + 1);
      l.ports.push_back({p + "sw", "p" + std::to_string(i), h.name, h.name, shapingOf(spec, h.name)});
      l.links.push_back({h.name, p + "sw:p" + std::to_string(i), h.ns + ":eth0"});
    } else {
      h.leaf = i * spec.leaves / spec.hosts;
      h.data_address = n + "1." + std::to_string(2 * i + 1);
      const std::string leaf_ns = p + "l" + std::to_string(h.leaf);
      l.ports.push_back({leaf_ns, h.name, h.name, h.name, shapingOf(spec, h.name)});
      l.links.push_back({h.name, leaf_ns + ":" + h.name, h.ns + ":eth0"});
    }
    if (spec.links.count(h.name)) {
      l.ports.push_back({h.ns, "eth0", h.name, spec.topology == Topology::kSwitch ? "switch" : "leaf" + std::to_string(h.leaf),
                         shapingOf(spec, h.name)});
    }
    l.mgmt_root_devs.push_back("fc" + spec.name + "m" + std::to_string(i));
    l.nodes.push_back({h.ns, NodeRole::kHost});
    l.hosts.push_back(h);
  }
  if (spec.topology == Topology::kLeafSpine) {
    for (int a = 0; a < spec.leaves; ++a) {
      for (int b = 0; b < spec.spines; ++b) {
        const std::string link = "l" + std::to_string(a) + "-s" + std::to_string(b);
        const std::string leaf_ns = p + "l" + std::to_string(a), spine_ns = p + "s" + std::to_string(b);
        l.ports.push_back({leaf_ns, "s" + std::to_string(b), link, "spine" + std::to_string(b), shapingOf(spec, link)});
        l.ports.push_back({spine_ns, "l" + std::to_string(a), link, "leaf" + std::to_string(a), shapingOf(spec, link)});
        l.links.push_back({link, leaf_ns + ":s" + std::to_string(b), spine_ns + ":l" + std::to_string(a)});
      }
    }
  }
  return l;
}

}  // namespace fabcheck::fabric
