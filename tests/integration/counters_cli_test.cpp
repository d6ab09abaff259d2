// `fabcheck counters` as a user runs it: live on this host, --save around real traffic on a veth
// in a namespace then --capture of the two saves (a positive rx_bytes delta from the right
// interface), a capture directory made by hand from a published `ethtool -S`, bad input; and NIC
// selection by data address inside a namespace (the interface holding it, the one routing toward
// it) with hostCounterSet() narrowed to that interface.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
#include "harness/counters/nic_selection.h"
#include "harness/counters/test_counters.h"
#include "tests/integration/counters_netns.h"
#include "tests/support/temp_dir.h"

namespace fabcheck {
namespace {

using nlohmann::json;
using testing::sh;
using testing::VethPair;

const std::string kBin = FABCHECK_BIN;
const std::string kNics = std::string(FABCHECK_SOURCE_DIR) + "/tests/fixtures/nics/";

TEST(CountersCli, LiveOnThisHostShowsMetricsAndWhatIsAbsent) {
  const auto r = sh({kBin, "counters"});
  ASSERT_EQ(r.status.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("host ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("host.rx_bytes"), std::string::npos) << r.out;
  if (!std::filesystem::exists("/sys/class/infiniband")) {
    EXPECT_NE(r.out.find("nic.cnp_sent: infiniband unavailable: no /sys/class/infiniband"), std::string::npos) << r.out;
  }
  const auto j = sh({kBin, "counters", "--json"});
  ASSERT_EQ(j.status.code, 0) << j.err;
  const json v = json::parse(j.out);
  EXPECT_EQ(v["mode"], "values");
  ASSERT_EQ(v["snapshots"].size(), 1u);
}

TEST(CountersCli, SaveAroundTrafficThenCaptureShowsTheRxBytesDelta) {
  VethPair veth;
  if (!veth.unavailableReason().empty()) GTEST_SKIP() << veth.unavailableReason();
  testing::TempDir tmp("fc-counters");
  const std::string a = tmp.path() + "/a", b = tmp.path() + "/b";
  auto save = [&](const std::string& dir) {
    const auto r = sh({"/usr/sbin/ip", "netns", "exec", veth.a(), kBin, "counters", "--interface", "fcq0", "--save", dir});
    ASSERT_EQ(r.status.code, 0) << r.err;
    EXPECT_NE(r.out.find("saved " + dir), std::string::npos) << r.out;
  };
  veth.must({"/usr/sbin/ip", "-n", veth.b(), "neigh", "replace", "10.99.0.1", "lladdr", "02:00:00:00:00:01", "dev", "fcq1", "nud", "permanent"});
  save(a);
  veth.must({"/usr/sbin/ip", "netns", "exec", veth.b(), "/usr/bin/python3", "-c",
             "import socket\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
             "for _ in range(40): s.sendto(b'x' * 1000, ('10.99.0.1', 9))"});
  save(b);
  EXPECT_TRUE(std::filesystem::exists(a + "/sys/class/net/fcq0/statistics/rx_bytes"));
  EXPECT_TRUE(std::filesystem::exists(a + "/ethtool/fcq0.txt"));
  const auto r = sh({kBin, "counters", "--capture", a, "--capture", b, "--json"});
  ASSERT_EQ(r.status.code, 0) << r.err;
  const json v = json::parse(r.out);
  EXPECT_EQ(v["mode"], "deltas");
  EXPECT_EQ(v["interface"], "fcq0");
  ASSERT_EQ(v["intervals"].size(), 1u);
  const json& iv = v["intervals"][0];
  EXPECT_GT(iv["interval_ns"].get<int64_t>(), 0);
  bool seen = false;
  for (const auto& m : iv["metrics"]) {
    if (m["metric"] != "host.rx_bytes") continue;
    seen = true;
    EXPECT_GE(m["delta"].get<double>(), 40.0 * 1000) << m.dump();
    ASSERT_EQ(m["from"].size(), 1u) << m.dump();
    EXPECT_EQ(m["from"][0]["dev"], "fcq0");
    EXPECT_EQ(m["from"][0]["raw"], "rx_bytes");
    EXPECT_GT(m["rate_per_s"].get<double>(), 0);
  }
  EXPECT_TRUE(seen) << r.out;
  const auto text = sh({kBin, "counters", "--capture", a, "--capture", b});
  ASSERT_EQ(text.status.code, 0) << text.err;
  EXPECT_NE(text.out.find("from netdev fcq0 rx_bytes"), std::string::npos) << text.out;
}

TEST(CountersCli, AHandMadeCaptureOfAPublishedBnxtEthtoolDashS) {
  const auto r = sh({kBin, "counters", "--capture", kNics + "bnxt/bnxt_en-6.6"});
  ASSERT_EQ(r.status.code, 0) << r.err;
  EXPECT_NE(r.out.find("host ethq-issue-33, interface eth0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nic.rx_discards"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("49337 packets"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("from ethtool eth0 rx_stat_discard (bnxt)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nic.cnp_sent: infiniband unavailable: no sys/class/infiniband in capture"), std::string::npos) << r.out;
}

TEST(CountersCli, BadInputIsOneLineNamingTheFlagOrFile) {
  auto one = [](const std::vector<std::string>& args, const std::string& expected) {
    std::vector<std::string> argv{kBin, "counters"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = sh(argv);
    EXPECT_EQ(r.status.code, 2) << r.out;
    EXPECT_EQ(r.err, "fabcheck counters: " + expected + "\n") << r.err;
  };
  one({"--capture", "/nonexistent-capture"}, "capture /nonexistent-capture: no such directory");
  one({"--count", "x", "--interval", "1s"}, "--count 'x': expected a whole number of intervals, 1 or more");
  one({"--count", "3"}, "--interval and --count go together (e.g. --interval 1s --count 5)");
  one({"--interface", "nosuch9"}, "--interface nosuch9: no such interface under /sys/class/net");
  one({"--bogus"}, "unknown option '--bogus'; expected --interface, --device, --json, --interval, --count, --save, --capture, --site or --switch");
  one({"--switch", "leaf1"}, "--site FILE and --switch NAME go together (a switch of the site file)");
  one({"--site", "/nonexistent-site.yaml", "--switch", "leaf1"}, "/nonexistent-site.yaml: cannot read the site file: No such file or directory");
  testing::TempDir tmp("fc-counters-bad");
  std::ofstream(tmp.path() + "/meta.json") << R"({"host": "h", "time_ns": "soon"})";
  one({"--capture", tmp.path()}, tmp.path() + "/meta.json: \"time_ns\" is \"soon\"; expected a positive integer (ns since the epoch)");
}

TEST(NicSelection, FindsTheInterfaceHoldingOrRoutingTowardTheDataAddress) {
  VethPair veth;
  if (!veth.unavailableReason().empty()) GTEST_SKIP() << veth.unavailableReason();
  testing::inNamespace(veth.a(), [] {
    const auto held = counters::selectNic({.address = "10.99.0.1"});
    EXPECT_EQ(held.interface, "fcq0");
    EXPECT_EQ(held.how, "interface fcq0 holds 10.99.0.1");
    EXPECT_EQ(held.device, "");
    EXPECT_NE(held.reason.find("no RDMA device on fcq0"), std::string::npos) << held.reason;
    const auto routed = counters::selectNic({.address = "10.99.0.77"});
    EXPECT_EQ(routed.interface, "fcq0");
    EXPECT_EQ(routed.how, "interface fcq0 routes toward 10.99.0.77");
    const auto nowhere = counters::selectNic({.address = "192.0.2.1"});
    EXPECT_EQ(nowhere.interface, "");
    EXPECT_EQ(nowhere.reason.rfind("no interface holds 192.0.2.1 and no route toward it", 0), 0u) << nowhere.reason;
  });
  EXPECT_THROW(counters::selectNic({.address = "10.99.0.300"}), ConfigError);
}

TEST(NicSelection, HostCounterSetReadsOnlyTheSelectedInterface) {
  VethPair veth;
  if (!veth.unavailableReason().empty()) GTEST_SKIP() << veth.unavailableReason();
  // The netns's own sysfs: what `ip netns exec` gives the agent's process.
  const auto r = sh({"/usr/sbin/ip", "netns", "exec", veth.a(), kBin, "counters", "--interface", "fcq0", "--json"});
  ASSERT_EQ(r.status.code, 0) << r.err;
  const json v = json::parse(r.out);
  for (const auto& m : v["snapshots"][0]["metrics"]) {
    for (const auto& p : m["from"]) {
      if (p.contains("dev")) {
        EXPECT_EQ(p["dev"], "fcq0") << m.dump();
      }
    }
  }
  EXPECT_EQ(v["snapshots"][0]["sources"]["infiniband"], "unavailable: no RDMA device on fcq0");
}

}  // namespace
}  // namespace fabcheck
