// FabricManager against a recording fake CommandRunner: the plan's commands and order, what
// is undone when a step fails or `up` is interrupted, idempotent up, down of an unknown fabric,
// choosing the net, and the netem probe. No root needed: nothing reaches the kernel.
#include "harness/fabric/fabric_manager.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "tests/support/temp_dir.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::fabric {
namespace {

using process::CommandResult;
using process::commandText;
using testing::errorOf;

// Pretends to be ip/tc: tracks namespaces and root links so tests can check nothing is left.
class FakeRunner : public process::CommandRunner {
 public:
  std::vector<std::string> log;
  std::set<std::string> namespaces, root_links;
  std::string routes = "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5\nlocal 127.0.0.1 dev lo table local\n";
  std::function<bool(const std::vector<std::string>&)> fail_if;
  std::set<std::string> missing;  // programs that are not installed
  std::function<void()> on_command;

  CommandResult run(const std::vector<std::string>& argv, int64_t) override {
    log.push_back(commandText(argv));
    if (on_command) on_command();
    CommandResult r;
    if (missing.count(argv.at(0))) return CommandResult{.not_found = true, .exit_code = -1};
    if (fail_if && fail_if(argv)) {
      r.exit_code = 2;
      r.err = "RTNETLINK answers: Invalid argument\n";
      return r;
    }
    const std::string t = commandText(argv);
    if (t.rfind("ip netns add ", 0) == 0) {
      if (!namespaces.insert(argv[3]).second) r.exit_code = 1, r.err = "Cannot create namespace file: File exists";
    } else if (t.rfind("ip netns del ", 0) == 0) {
      if (!namespaces.erase(argv[3])) r.exit_code = 1, r.err = "Cannot remove namespace file: No such file or directory";
    } else if (t == "ip netns list") {
      for (const auto& n : namespaces) r.out += n + "\n";
    } else if (t.rfind("ip link add name ", 0) == 0) {
      if (!root_links.insert(argv[4]).second) r.exit_code = 2, r.err = "RTNETLINK answers: File exists";
    } else if (t.rfind("ip link del dev ", 0) == 0) {
      if (!root_links.erase(argv[4])) r.exit_code = 1, r.err = "Cannot find device \"" + argv[4] + "\"";
    } else if (t == "ip -4 route show table all") {
      r.out = routes;
    }
    return r;
  }
  size_t count(const std::string& prefix) const {
    return static_cast<size_t>(std::count_if(log.begin(), log.end(), [&](const std::string& l) { return l.rfind(prefix, 0) == 0; }));
  }
  bool has(const std::string& line) const { return std::find(log.begin(), log.end(), line) != log.end(); }
};

struct Fixture : ::testing::Test {
  testing::TempDir dir{"fabric-state"};
  FakeRunner fake;
  FabricManager m{fake, dir.path()};
};

using FabricManagerTest = Fixture;

TEST_F(FabricManagerTest, SwitchUpRunsThePlanRecordsItAndDownRemovesExactlyThat) {
  const auto r = m.up(parseFabricSpec("name=t,hosts=3,rate=200mbit,queue=20", "x"));
  EXPECT_TRUE(r.created);
  EXPECT_EQ(r.layout.net, 100);
  EXPECT_EQ(r.layout.controller_address, "10.100.255.254");
  EXPECT_EQ(fake.namespaces, (std::set<std::string>{"fc-t-sw", "fc-t-h0", "fc-t-h1", "fc-t-h2"}));
  EXPECT_EQ(fake.root_links, (std::set<std::string>{"fctmb", "fctm0", "fctm1", "fctm2"}));
  EXPECT_TRUE(fake.has("tc -n fc-t-sw class add dev p2 parent 1: classid 1:1 htb rate 200000000bit ceil 200000000bit burst 25000 cburst 25000 quantum 1514"));
  EXPECT_TRUE(fake.has("tc -n fc-t-sw qdisc add dev p1 parent 1:1 handle 10: pfifo limit 20"));
  EXPECT_TRUE(fake.has("ip -n fc-t-h1 addr add 10.100.0.2/24 dev eth0"));
  EXPECT_TRUE(fake.has("ip -n fc-t-h1 addr add 10.100.255.2/24 dev mgmt0"));
  EXPECT_TRUE(fake.has("ip netns exec fc-t-h0 ethtool -K eth0 tso off gso off tx-udp-segmentation off"));
  EXPECT_EQ(fake.count("tc -n fc-t-h"), 0u) << "hosts' own egress is not shaped without an override";
  const auto st = readState(dir.path(), "t");
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->complete);
  EXPECT_EQ(st->created.size(), 8u);
  ASSERT_TRUE(m.find("t"));

  fake.namespaces.insert("fc-other-h0");  // not ours: down must leave it
  m.down("t");
  EXPECT_EQ(fake.namespaces, (std::set<std::string>{"fc-other-h0"}));
  EXPECT_TRUE(fake.root_links.empty());
  EXPECT_FALSE(readState(dir.path(), "t"));
}

TEST_F(FabricManagerTest, UpIsIdempotentForTheSameSpecAndRefusesAnotherOne) {
  m.up(parseFabricSpec("name=t,hosts=2,rate=200mbit", "x"));
  const size_t before = fake.log.size();
  const auto again = m.up(parseFabricSpec("rate=200Mbit/s,hosts=2,name=t", "x"));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(fake.log.size(), before + 1) << "only `ip netns list` to check it is still there";
  EXPECT_EQ(errorOf<FabricError>([&] { m.up(parseFabricSpec("name=t,hosts=3", "x")); }),
            "fabric 't' is already up as 'name=t,hosts=2,topology=switch,rate=200000000bit,queue=100,net=100', not "
            "'name=t,hosts=3,topology=switch,rate=1000000000bit,queue=100'; run `fabcheck fabric down --name t` first or choose another name=");
}

TEST_F(FabricManagerTest, AFailingStepHalfWayRollsBackEverythingItMade) {
  fake.fail_if = [](const std::vector<std::string>& a) { return commandText(a).rfind("ip -n fc-t-sw link add name p2 ", 0) == 0; };
  const std::string e = errorOf<FabricError>([&] { m.up(parseFabricSpec("name=t,hosts=4", "x")); });
  EXPECT_NE(e.find("fabric up 't': step "), std::string::npos) << e;
  EXPECT_NE(e.find("`ip -n fc-t-sw link add name p2 address 02:fc:64:01:00:02 type veth peer name eth0 address 02:fc:64:00:00:02 netns fc-t-h2` failed: RTNETLINK answers: Invalid argument; "
                   "removed everything it had made"),
            std::string::npos)
      << e;
  EXPECT_TRUE(fake.namespaces.empty());
  EXPECT_TRUE(fake.root_links.empty());
  EXPECT_FALSE(readState(dir.path(), "t")) << "no state left";
  EXPECT_EQ(fake.count("tc "), 0u) << "nothing after the failing step ran";
}

TEST_F(FabricManagerTest, ANameInUseIsNamedAndWhatExistedBeforeIsNotRemoved) {
  fake.namespaces.insert("fc-t-h1");  // someone else's
  const std::string e = errorOf<FabricError>([&] { m.up(parseFabricSpec("name=t,hosts=3", "x")); });
  EXPECT_NE(e.find("(namespace 'fc-t-h1' already exists and is not part of this fabric; choose another name=)"), std::string::npos) << e;
  EXPECT_EQ(fake.namespaces, (std::set<std::string>{"fc-t-h1"}));
}

TEST_F(FabricManagerTest, AToolThatIsNotInstalledIsAFabricErrorAndRollsBack) {
  fake.missing = {"tc"};
  const std::string e = errorOf<FabricError>([&] { m.up(parseFabricSpec("name=t,hosts=2,rate=200mbit", "x")); });
  EXPECT_NE(e.find("fabric up 't': cannot run `tc "), std::string::npos) << e;
  EXPECT_NE(e.find(": tc is not installed (scripts/install-deps.sh installs iproute2, procps and ethtool); removed everything it had made"),
            std::string::npos)
      << e;
  EXPECT_TRUE(fake.namespaces.empty());
  fake.missing = {"ip"};
  EXPECT_EQ(errorOf<FabricError>([&] { m.up(parseFabricSpec("name=t,hosts=2", "x")); }),
            "cannot run `ip -4 route show table all`: ip is not installed (scripts/install-deps.sh installs iproute2, procps and ethtool)");
}

TEST_F(FabricManagerTest, InterruptionRollsBack) {
  std::atomic<bool> stop{false};
  fake.on_command = [&] {
    if (fake.count("ip netns add ") == 3) stop = true;
  };
  const std::string e = errorOf<FabricError>([&] { m.up(parseFabricSpec("name=t,hosts=4", "x"), &stop); });
  EXPECT_NE(e.find("fabric up 't': interrupted at step "), std::string::npos) << e;
  EXPECT_TRUE(fake.namespaces.empty());
  EXPECT_TRUE(fake.root_links.empty());
  EXPECT_FALSE(readState(dir.path(), "t"));
}

TEST_F(FabricManagerTest, DownAndStatusOfAnUnknownFabricSayWhatIsUp) {
  EXPECT_EQ(errorOf<FabricNotFound>([&] { m.down("nope"); }),
            "fabric 'nope' is not up (no " + dir.path() + "/fabric-nope.json); fabrics up: none");
  m.up(parseFabricSpec("name=a1,hosts=1", "x"));
  EXPECT_EQ(errorOf<FabricNotFound>([&] { m.status("nope"); }),
            "fabric 'nope' is not up (no " + dir.path() + "/fabric-nope.json); fabrics up: a1");
}

TEST_F(FabricManagerTest, NetAvoidsRoutesAndOtherFabrics) {
  fake.routes += "10.100.0.0/16 via 10.0.0.1 dev eth0\nlocal 10.101.3.4 dev eth1 table local\n";
  EXPECT_EQ(m.up(parseFabricSpec("name=a,hosts=1", "x")).layout.net, 102);
  EXPECT_EQ(m.up(parseFabricSpec("name=b,hosts=1", "x")).layout.net, 103);
  EXPECT_EQ(errorOf<FabricError>([&] { m.up(parseFabricSpec("name=c,hosts=1,net=100", "x")); }),
            "fabric up 'c': net=100 (10.100.0.0/16) is already in use by the route '10.100.0.0/16 via 10.0.0.1 dev eth0' of this host; "
            "choose another net= or leave it out");
  EXPECT_EQ(errorOf<FabricError>([&] { m.up(parseFabricSpec("name=c,hosts=1,net=102", "x")); }),
            "fabric up 'c': net=102 (10.102.0.0/16) is already in use by fabric 'a'; choose another net= or leave it out");
  EXPECT_EQ(overlappingRoute("10.0.0.0/8 dev x\n", 5), "10.0.0.0/8 dev x");
  EXPECT_EQ(overlappingRoute("default via 10.5.0.1 dev x\n0.0.0.0/0 dev y\n10.6.0.0/16 dev z\n", 5), "");
}

TEST_F(FabricManagerTest, LeafSpinePlanHasEcmpRoutesL4HashAndShapedUplinks) {
  const auto r = m.up(parseFabricSpec("name=ls,hosts=4,topology=leaf-spine,leaves=2,spines=2,link.l0-s1.rate=10mbit", "x"));
  ASSERT_EQ(r.layout.hosts.size(), 4u);
  EXPECT_EQ(r.layout.hosts[1].leaf, 0);
  EXPECT_EQ(r.layout.hosts[2].leaf, 1);
  EXPECT_EQ(r.layout.hosts[3].data_address, "10.100.1.7");
  EXPECT_TRUE(fake.has("ip netns exec fc-ls-s1 sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1 "
                       "net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0"));
  EXPECT_TRUE(fake.has("ip -n fc-ls-l1 route add 10.100.1.0/24 nexthop via 10.100.2.5 dev s0 nexthop via 10.100.2.7 dev s1"));
  EXPECT_TRUE(fake.has("ip -n fc-ls-s0 route add 10.100.1.6/31 via 10.100.2.4 dev l1"));
  EXPECT_TRUE(fake.has("ip -n fc-ls-h3 route add 10.100.0.0/17 via 10.100.1.6 dev eth0"));
  EXPECT_TRUE(fake.has("tc -n fc-ls-l0 class add dev s1 parent 1: classid 1:1 htb rate 10000000bit ceil 10000000bit burst 3028 cburst 3028 quantum 1514"));
  EXPECT_TRUE(fake.has("tc -n fc-ls-s1 class add dev l0 parent 1: classid 1:1 htb rate 10000000bit ceil 10000000bit burst 3028 cburst 3028 quantum 1514"));
  EXPECT_TRUE(fake.has("tc -n fc-ls-l1 qdisc add dev h3 parent 1:1 handle 10: pfifo limit 100"));
  EXPECT_EQ(r.layout.ports.size(), 4u + 8u);
}

TEST_F(FabricManagerTest, HostLinkOverrideShapesBothDirections) {
  m.up(parseFabricSpec("name=t,hosts=2,link.h1.rate=50mbit,link.h1.queue_bytes=30000", "x"));
  EXPECT_TRUE(fake.has("tc -n fc-t-sw qdisc add dev p1 parent 1:1 handle 10: bfifo limit 30000"));
  EXPECT_TRUE(fake.has("tc -n fc-t-h1 class add dev eth0 parent 1: classid 1:1 htb rate 50000000bit ceil 50000000bit burst 6250 cburst 6250 quantum 1514"));
  EXPECT_EQ(fake.count("tc -n fc-t-h0"), 0u);
}

TEST_F(FabricManagerTest, DelayWithoutNetemIsUnsupportedAndRolledBack) {
  fake.fail_if = [](const std::vector<std::string>& a) { return std::find(a.begin(), a.end(), "netem") != a.end(); };
  const std::string e = errorOf<UnsupportedError>([&] { m.up(parseFabricSpec("name=t,hosts=2,delay=2ms", "x")); });
  EXPECT_NE(e.find("delay= needs the netem qdisc, which this kernel does not offer (`tc -n fc-t-sw qdisc add dev lo root netem delay 1ms`: "
                   "RTNETLINK answers: Invalid argument); remove delay= and link.*.delay=; removed everything it had made"),
            std::string::npos)
      << e;
  EXPECT_TRUE(fake.namespaces.empty());
}

}  // namespace
}  // namespace fabcheck::fabric
