// `fabcheck fabric up|down|status` on real namespaces: round trip, idempotent up, failure
// half-way, down of an unknown fabric, SIGINT during up, and leaf-spine forwarding with ECMP.
// Skips only when not root or namespaces cannot be made here.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/integration/fabric_fixture.h"
#include "tests/support/test_helpers.h"

namespace fabcheck {
namespace {

using testing::eventually;
using testing::FabricGuard;
using testing::fabricLeftovers;
using testing::run;
using testing::uniqueFabricName;

constexpr auto kLong = std::chrono::seconds(120);

std::vector<std::string> noLeftovers() { return {}; }

TEST(FabricCli, UpStatusDownRoundTripLeavesNothing) {
  FABCHECK_SKIP_WITHOUT_NAMESPACES();
  const std::string name = uniqueFabricName('r');
  FabricGuard guard(name);
  const std::string spec = "name=" + name + ",hosts=3,topology=switch,rate=200mbit,queue=20";
  auto up = run({testing::kFabcheckBin, "fabric", "up", "--fabric", spec}, kLong);
  ASSERT_EQ(up.status.code, 0) << up.err;
  EXPECT_NE(up.out.find("fabric " + name + " is up: 3 hosts (switch)"), std::string::npos) << up.out;
  const auto ns = run({testing::ipBinary(), "netns", "list"}, kLong).out;
  for (const std::string n : {"sw", "h0", "h1", "h2"}) EXPECT_NE(ns.find("fc-" + name + "-" + n), std::string::npos) << ns;

  auto st = run({testing::kFabcheckBin, "fabric", "status", "--name", name}, kLong);
  ASSERT_EQ(st.status.code, 0) << st.err;
  EXPECT_NE(st.out.find("fabric " + name + ": up, topology switch, 3 hosts"), std::string::npos) << st.out;
  EXPECT_EQ(testing::linesWith(st.out, "200 Mbit/s, queue 20 pkts").size(), 3u) << st.out;
  EXPECT_EQ(st.out.find("queue not found"), std::string::npos) << st.out;

  auto again = run({testing::kFabcheckBin, "fabric", "up", "--fabric", spec}, kLong);
  EXPECT_EQ(again.status.code, 0) << again.err;
  EXPECT_NE(again.out.find("was already up"), std::string::npos) << again.out;
  auto other = run({testing::kFabcheckBin, "fabric", "up", "--fabric", "name=" + name + ",hosts=2"}, kLong);
  EXPECT_EQ(other.status.code, 3);
  EXPECT_NE(other.err.find("is already up as"), std::string::npos) << other.err;

  auto down = run({testing::kFabcheckBin, "fabric", "down", "--name", name}, kLong);
  EXPECT_EQ(down.status.code, 0) << down.err;
  EXPECT_EQ(fabricLeftovers(name), noLeftovers());
  auto down2 = run({testing::kFabcheckBin, "fabric", "down", "--name", name}, kLong);
  EXPECT_EQ(down2.status.code, 2);
  EXPECT_NE(down2.err.find("fabcheck fabric down: fabric '" + name + "' is not up"), std::string::npos) << down2.err;
}

TEST(FabricCli, AFailureHalfWayRemovesWhatUpMadeAndNothingElse) {
  FABCHECK_SKIP_WITHOUT_NAMESPACES();
  const std::string name = uniqueFabricName('f');
  FabricGuard guard(name);
  const std::string taken = "fc-" + name + "-h2";  // not ours: up fails at the third host
  ASSERT_EQ(run({testing::ipBinary(), "netns", "add", taken}, kLong).status.code, 0);
  auto up = run({testing::kFabcheckBin, "fabric", "up", "--fabric", "name=" + name + ",hosts=4,rate=100mbit"}, kLong);
  EXPECT_EQ(up.status.code, 3);
  EXPECT_NE(up.err.find("namespace '" + taken + "' already exists and is not part of this fabric"), std::string::npos) << up.err;
  EXPECT_NE(up.err.find("removed everything it had made"), std::string::npos) << up.err;
  EXPECT_EQ(fabricLeftovers(name), std::vector<std::string>{"netns " + taken}) << "the namespace that was there before stays";
  run({testing::ipBinary(), "netns", "del", taken}, kLong);
  auto st = run({testing::kFabcheckBin, "fabric", "status", "--name", name}, kLong);
  EXPECT_EQ(st.status.code, 2) << "no state left behind: " << st.out;
}

TEST(FabricCli, SigintDuringUpLeavesNothing) {
  FABCHECK_SKIP_WITHOUT_NAMESPACES();
  const std::string name = uniqueFabricName('i');
  FabricGuard guard(name);
  auto p = testing::Subprocess::start({testing::kFabcheckBin, "fabric", "up", "--fabric", "name=" + name + ",hosts=40"});
  ASSERT_TRUE(eventually([&] { return !fabricLeftovers(name).empty(); }, std::chrono::seconds(60))) << "up never started";
  p.signal(SIGINT);
  const auto status = p.waitExit(kLong);
  EXPECT_EQ(status.code, 3) << p.err();
  EXPECT_NE(p.err().find("interrupted at step"), std::string::npos) << p.err();
  EXPECT_NE(p.err().find("removed everything it had made"), std::string::npos) << p.err();
  EXPECT_EQ(fabricLeftovers(name), noLeftovers());
}

TEST(FabricCli, BadSpecIsAUsageErrorNamingTheKey) {
  auto up = run({testing::kFabcheckBin, "fabric", "up", "--fabric", "hosts=4,rates=1G"}, kLong);
  EXPECT_EQ(up.status.code, 2);
  EXPECT_NE(up.err.find("fabcheck fabric up: --fabric unknown key 'rates'; did you mean 'rate'?"), std::string::npos) << up.err;
}

TEST(FabricLeafSpine, FlowsCrossLeafSpineLeafAndSpreadOverBothSpines) {
  FABCHECK_SKIP_WITHOUT_NAMESPACES();
  const std::string name = uniqueFabricName('l');
  FabricGuard guard(name);
  process::SystemCommandRunner runner;
  fabric::FabricManager m(runner);
  const auto layout =
      m.up(fabric::parseFabricSpec("name=" + name + ",hosts=4,topology=leaf-spine,leaves=2,spines=2,rate=10gbit,queue=1000", "test"))
          .layout;
  ASSERT_EQ(layout.hosts[0].leaf, 0);
  ASSERT_EQ(layout.hosts[3].leaf, 1);
  const std::string p = "fc-" + name + "-";
  auto before = testing::portCountersOf(name);
  std::vector<uint16_t> ports;
  for (uint16_t port = 20000; port < 20064; ++port) ports.push_back(port);
  constexpr int kPerPort = 5;
  ASSERT_EQ(testing::sendUdpFrom(layout.hosts[0].ns, layout.hosts[3].data_address, ports, kPerPort), "");
  // The last datagrams may still be on their way through the namespaces.
  auto delta = [&](const std::string& port) {
    return testing::portCountersOf(name)[port].packets - before[port].packets;
  };
  const uint64_t total = ports.size() * kPerPort;
  EXPECT_TRUE(eventually([&] { return delta(p + "l1:h3") >= total; }, std::chrono::seconds(10)))
      << "leaf1 → h3 sent " << delta(p + "l1:h3") << " of " << total;
  const uint64_t via0 = delta(p + "s0:l1"), via1 = delta(p + "s1:l1");
  EXPECT_GE(via0 + via1, total) << "every datagram crossed a spine toward leaf1";
  EXPECT_GE(delta(p + "l0:s0") + delta(p + "l0:s1"), total) << "leaf0 sent them up to the spines";
  EXPECT_GT(via0, total / 8) << "ECMP with the L4 hash uses spine0 for some of 64 flows";
  EXPECT_GT(via1, total / 8) << "ECMP with the L4 hash uses spine1 for some of 64 flows";
  EXPECT_EQ(delta(p + "l0:h1"), 0u) << "nothing went to h1";
  m.down(name);
  EXPECT_EQ(fabricLeftovers(name), noLeftovers());
}

}  // namespace
}  // namespace fabcheck
