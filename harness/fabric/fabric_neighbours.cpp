#include "harness/fabric/fabric_neighbours.h"

#include <cstdio>

namespace fabcheck::fabric {
namespace {

std::string mac(int net, int kind, int x, int y) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "02:fc:%02x:%02x:%02x:%02x", net & 0xff, kind & 0xff, x & 0xff, y & 0xff);
  return buf;
}

std::string leafNs(const FabricLayout& l, int a) { return namespacePrefix(l.spec.name) + "l" + std::to_string(a); }
std::string spineNs(const FabricLayout& l, int b) { return namespacePrefix(l.spec.name) + "s" + std::to_string(b); }

// The /31 addresses of leaf a ↔ spine b (fabric_layout.h).
std::string leafUplinkAddress(const FabricLayout& l, int a, int b) {
  return "10." + std::to_string(l.net) + ".2." + std::to_string(2 * (a * l.spec.spines + b));
}
std::string spineDownlinkAddress(const FabricLayout& l, int a, int b) {
  return "10." + std::to_string(l.net) + ".2." + std::to_string(2 * (a * l.spec.spines + b) + 1);
}

void switchNeighbours(const FabricLayout& l, std::vector<StaticNeighbour>& out) {
  for (size_t i = 0; i < l.hosts.size(); ++i) {
    for (size_t j = 0; j < l.hosts.size(); ++j) {
      if (i != j) out.push_back({l.hosts[i].ns, "eth0", l.hosts[j].data_address, hostMac(l.net, static_cast<int>(j))});
    }
  }
}

void leafSpineNeighbours(const FabricLayout& l, std::vector<StaticNeighbour>& out) {
  const std::string n = "10." + std::to_string(l.net) + ".1.";
  for (size_t i = 0; i < l.hosts.size(); ++i) {
    const FabricHost& h = l.hosts[i];
    const int host = static_cast<int>(i);
    out.push_back({h.ns, "eth0", n + std::to_string(2 * i), leafHostPortMac(l.net, h.leaf, host)});
    out.push_back({leafNs(l, h.leaf), h.name, h.data_address, hostMac(l.net, host)});
  }
  for (int a = 0; a < l.spec.leaves; ++a) {
    for (int b = 0; b < l.spec.spines; ++b) {
      out.push_back({leafNs(l, a), "s" + std::to_string(b), spineDownlinkAddress(l, a, b), spineLeafPortMac(l.net, b, a)});
      out.push_back({spineNs(l, b), "l" + std::to_string(a), leafUplinkAddress(l, a, b), leafSpinePortMac(l.net, a, b)});
    }
  }
}

}  // namespace

std::string hostMac(int net, int host) { return mac(net, 0, host >> 8, host); }
std::string switchPortMac(int net, int host) { return mac(net, 1, host >> 8, host); }
std::string leafHostPortMac(int net, int leaf, int host) { return mac(net, 2, leaf, host); }
std::string leafSpinePortMac(int net, int leaf, int spine) { return mac(net, 3, leaf, spine); }
std::string spineLeafPortMac(int net, int spine, int leaf) { return mac(net, 4, spine, leaf); }

std::vector<StaticNeighbour> staticNeighbours(const FabricLayout& l) {
  std::vector<StaticNeighbour> out;
  if (l.spec.topology == Topology::kSwitch) {
    switchNeighbours(l, out);
  } else {
    leafSpineNeighbours(l, out);
  }
  return out;
}

std::vector<StaticFdbEntry> staticFdb(const FabricLayout& l) {
  std::vector<StaticFdbEntry> out;
  if (l.spec.topology != Topology::kSwitch) return out;
  for (size_t i = 0; i < l.hosts.size(); ++i) {
    out.push_back({l.nodes.front().ns, "p" + std::to_string(i), hostMac(l.net, static_cast<int>(i))});
  }
  return out;
}

std::string neighbourBatch(const std::vector<StaticNeighbour>& entries, const std::string& ns) {
  std::string s;
  for (const auto& e : entries) {
    if (e.ns == ns) s += "neigh replace " + e.address + " lladdr " + e.mac + " dev " + e.dev + " nud permanent\n";
  }
  return s;
}

std::string fdbBatch(const std::vector<StaticFdbEntry>& entries, const std::string& ns) {
  std::string s;
  for (const auto& e : entries) {
    if (e.ns == ns) s += "fdb replace " + e.mac + " dev " + e.dev + " master static\n";
  }
  return s;
}

}  // namespace fabcheck::fabric
