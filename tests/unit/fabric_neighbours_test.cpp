// The fabric's static layer 2 (pure): fixed MACs on every data interface, a permanent
// neighbour entry for every IPv4 peer and a static FDB entry per switch port, applied by the
// plan as one batch per namespace after the links are up — so no ARP crosses a shaped port.
#include "harness/fabric/fabric_neighbours.h"

#include <gtest/gtest.h>

#include <set>

#include "harness/fabric/fabric_plan.h"

namespace fabcheck::fabric {
namespace {

std::string joinedArgv(const PlanStep& s) {
  std::string t;
  for (const auto& a : s.argv) t += (t.empty() ? "" : " ") + a;
  return t;
}

TEST(FabricNeighbours, MacsAreFixedLocallyAdministeredAndDistinct) {
  EXPECT_EQ(hostMac(100, 3), "02:fc:64:00:00:03");
  EXPECT_EQ(switchPortMac(100, 119), "02:fc:64:01:00:77");
  EXPECT_EQ(leafHostPortMac(7, 2, 5), "02:fc:07:02:02:05");
  EXPECT_EQ(leafSpinePortMac(7, 2, 1), "02:fc:07:03:02:01");
  EXPECT_EQ(spineLeafPortMac(7, 1, 2), "02:fc:07:04:01:02");
  std::set<std::string> all;
  for (int i = 0; i < 120; ++i) all.insert({hostMac(9, i), switchPortMac(9, i), leafHostPortMac(9, i % 16, i)});
  EXPECT_EQ(all.size(), 360u);
}

TEST(FabricNeighbours, SwitchHostsKnowEveryOtherHostAndTheBridgeEveryPort) {
  const auto l = makeLayout(parseFabricSpec("name=t,hosts=3", "test"), 100);
  const auto n = staticNeighbours(l);
  ASSERT_EQ(n.size(), 6u);
  EXPECT_EQ(n[0], (StaticNeighbour{"fc-t-h0", "eth0", "10.100.0.2", "02:fc:64:00:00:01"}));
  EXPECT_EQ(neighbourBatch(n, "fc-t-h2"),
            "neigh replace 10.100.0.1 lladdr 02:fc:64:00:00:00 dev eth0 nud permanent\n"
            "neigh replace 10.100.0.2 lladdr 02:fc:64:00:00:01 dev eth0 nud permanent\n");
  EXPECT_EQ(fdbBatch(staticFdb(l), "fc-t-sw"),
            "fdb replace 02:fc:64:00:00:00 dev p0 master static\n"
            "fdb replace 02:fc:64:00:00:01 dev p1 master static\n"
            "fdb replace 02:fc:64:00:00:02 dev p2 master static\n");
}

TEST(FabricNeighbours, LeafSpineEveryRoutedHopIsPermanent) {
  const auto l = makeLayout(parseFabricSpec("name=t,hosts=2,topology=leaf-spine,leaves=2,spines=2", "test"), 5);
  const auto n = staticNeighbours(l);
  EXPECT_EQ(n.size(), 2u * 2 + 2u * 2 * 2) << "host↔leaf both ways, leaf↔spine both ways";
  EXPECT_EQ(neighbourBatch(n, "fc-t-h1"), "neigh replace 10.5.1.2 lladdr 02:fc:05:02:01:01 dev eth0 nud permanent\n");
  EXPECT_EQ(neighbourBatch(n, "fc-t-s1"),
            "neigh replace 10.5.2.2 lladdr 02:fc:05:03:00:01 dev l0 nud permanent\n"
            "neigh replace 10.5.2.6 lladdr 02:fc:05:03:01:01 dev l1 nud permanent\n");
  EXPECT_TRUE(staticFdb(l).empty()) << "no bridge in a routed fabric";
}

TEST(FabricNeighbours, ThePlanGivesInterfacesTheirMacsAndAddsEntriesAfterTheLinksAreUp) {
  const auto l = makeLayout(parseFabricSpec("name=t,hosts=2", "test"), 100);
  const auto steps = planUp(l);
  size_t last_link_up = 0, first_batch = steps.size();
  std::vector<std::string> batches;
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string t = joinedArgv(steps[i]);
    if (t.find(" link set dev ") != std::string::npos && t.find(" up") != std::string::npos) last_link_up = i;
    if (!steps[i].batch.empty()) {
      first_batch = std::min(first_batch, i);
      batches.push_back(t);
    }
  }
  EXPECT_EQ(batches, (std::vector<std::string>{"ip -n fc-t-h0 -batch", "ip -n fc-t-h1 -batch", "bridge -n fc-t-sw -batch"}));
  EXPECT_LT(last_link_up, first_batch) << "taking a link down would flush its permanent entries";
  bool veth = false;
  for (const auto& s : steps) {
    veth = veth || joinedArgv(s) == "ip -n fc-t-sw link add name p1 address 02:fc:64:01:00:01 type veth peer name eth0 address "
                                    "02:fc:64:00:00:01 netns fc-t-h1";
  }
  EXPECT_TRUE(veth);
}

}  // namespace
}  // namespace fabcheck::fabric
