// The emulated fabric's data ports carry the tests' packets and nothing else: no ARP request,
// reply or probe, and no unknown unicast flooded by the bridge. Without this, a neighbour entry
// that goes stale during a run makes the kernel send a unicast ARP probe through the same
// congested switch queue as the test's traffic; when that queue drops it, the port's drop
// counter is one higher than the test's loss (seen as "fabcheck lost N, the queue dropped N+1").
//
// Contract (pure: computed from the layout, like the plan):
// - Every data interface has a fixed, locally administered MAC, 02:fc:<net>:<kind>:<x>:<y>
//   (hex): host i's eth0 (kind 00, 00:i), switch port p<i> (01, 00:i), leaf a's port h<i>
//   (02, a:i), leaf a's port s<b> (03, a:b), spine b's port l<a> (04, b:a). Distinct within a
//   fabric and between fabrics of different nets.
// - staticNeighbours(): the permanent neighbour entry (`ip neigh replace ... nud permanent`) of
//   every IPv4 peer an interface of the data network can send to: switch: every host for every
//   other host; leaf-spine: a host for its leaf, a leaf for its hosts and spines, a spine for
//   its leaves. Permanent entries are never probed nor aged, so the kernel sends no ARP.
// - staticFdb(): switch only: every host's MAC as a static FDB entry on its bridge port, so the
//   bridge never floods a frame for a host that has been silent longer than its ageing time.
// - neighbourBatch()/fdbBatch(): the same entries as `ip -batch` / `bridge -batch` lines of one
//   namespace (the fabric plan runs one batch per namespace: hosts=120 is 14,280 entries).
#pragma once

#include <string>
#include <vector>

#include "harness/fabric/fabric_layout.h"

namespace fabcheck::fabric {

std::string hostMac(int net, int host);
std::string switchPortMac(int net, int host);
std::string leafHostPortMac(int net, int leaf, int host);
std::string leafSpinePortMac(int net, int leaf, int spine);
std::string spineLeafPortMac(int net, int spine, int leaf);

struct StaticNeighbour {
  std::string ns;
  std::string dev;
  std::string address;  // IPv4
  std::string mac;
  bool operator==(const StaticNeighbour&) const = default;
};

struct StaticFdbEntry {
  std::string ns;   // the switch's namespace
  std::string dev;  // bridge port p<i>
  std::string mac;  // host i's eth0
  bool operator==(const StaticFdbEntry&) const = default;
};

std::vector<StaticNeighbour> staticNeighbours(const FabricLayout& layout);
std::vector<StaticFdbEntry> staticFdb(const FabricLayout& layout);

// "neigh replace <address> lladdr <mac> dev <dev> nud permanent\n" per entry of namespace `ns`.
std::string neighbourBatch(const std::vector<StaticNeighbour>& entries, const std::string& ns);
// "fdb replace <mac> dev <dev> master static\n" per entry of namespace `ns`.
std::string fdbBatch(const std::vector<StaticFdbEntry>& entries, const std::string& ns);

}  // namespace fabcheck::fabric
