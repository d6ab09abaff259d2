// NIC statistics through the kernel's ethtool interface (SIOCETHTOOL) on a real veth pair in
// fresh network namespaces: the same names and values `ethtool -S` prints for the interface,
// read without running it; a missing interface, a device without statistics and a missing
// namespace each say so by name; the counter source reads through it with no runner.
#include <gtest/gtest.h>

#include <map>

#include "harness/counters/ethtool_counter_source.h"
#include "harness/counters/ethtool_ioctl.h"
#include "tests/integration/counters_netns.h"

namespace fabcheck::counters {
namespace {

using testing::VethPair;

std::map<std::string, uint64_t> byName(const std::vector<EthtoolStat>& stats) {
  std::map<std::string, uint64_t> m;
  for (const auto& s : stats) m[s.name] = s.value;
  return m;
}

TEST(EthtoolKernel, ReadsWhatEthtoolDashSPrintsWithoutRunningIt) {
  VethPair veth;
  if (!veth.unavailableReason().empty()) GTEST_SKIP() << veth.unavailableReason();
  const EthtoolRead k = readEthtoolStats("fcq0", veth.a());
  ASSERT_EQ(k.error, 0) << k.reason;
  ASSERT_FALSE(k.stats.empty());
  const auto cmd = testing::sh({"/usr/sbin/ip", "netns", "exec", veth.a(), "ethtool", "-S", "fcq0"});
  ASSERT_EQ(cmd.status.code, 0) << cmd.err;
  std::vector<std::string> notes;
  const auto printed = byName(parseEthtoolStats(cmd.out, "ethtool -S fcq0", notes));
  const auto read = byName(k.stats);
  ASSERT_EQ(read.size(), printed.size());
  for (const auto& [name, value] : read) {
    ASSERT_TRUE(printed.count(name)) << name << " is not what ethtool -S prints";
    EXPECT_LE(value, printed.at(name)) << name << ": read first, so never above the later print";
  }
}

TEST(EthtoolKernel, AMissingInterfaceADeviceWithoutStatisticsAndAMissingNamespaceSaySo) {
  VethPair veth;
  if (!veth.unavailableReason().empty()) GTEST_SKIP() << veth.unavailableReason();
  const EthtoolRead gone = readEthtoolStats("nosuch0", veth.a());
  EXPECT_EQ(gone.error, ENODEV);
  EXPECT_NE(gone.reason.find("nosuch0 in namespace " + veth.a()), std::string::npos) << gone.reason;
  const EthtoolRead lo = readEthtoolStats("lo", veth.a());
  EXPECT_EQ(lo.error, EOPNOTSUPP) << lo.reason;
  const EthtoolRead no_ns = readEthtoolStats("fcq0", "fc-no-such-namespace");
  EXPECT_EQ(no_ns.error, ENOENT);
  EXPECT_EQ(no_ns.reason.rfind("entering the namespace", 0), 0u) << no_ns.reason;
}

TEST(EthtoolKernel, TheCounterSourceReadsThroughTheKernelWithoutTheTool) {
  VethPair veth;
  if (!veth.unavailableReason().empty()) GTEST_SKIP() << veth.unavailableReason();
  EthtoolCounterSource src({.host = "n1", .interfaces = {"fcq0", "lo"}, .netns = veth.a(), .ethtool = "/nonexistent"});
  const CounterSnapshot snap = src.snapshot();
  EXPECT_EQ(src.unavailable_reason(), "");
  ASSERT_FALSE(snap.samples.empty()) << "no tool needed: /nonexistent is never run";
  for (const auto& s : snap.samples) {
    EXPECT_EQ(s.labels.at("dev"), "fcq0");
    EXPECT_EQ(s.labels.at("netns"), veth.a());
  }
  // One note for the statistics lo lacks, one for the pause statistics neither has
  // (counters_pause_test.cpp).
  ASSERT_EQ(snap.notes.size(), 2u);
  EXPECT_EQ(snap.notes[0].rfind("pause statistics: fcq0 in namespace", 0), 0u) << snap.notes[0];
  EXPECT_NE(snap.notes[1].find("lo ("), std::string::npos) << snap.notes[1];
  EthtoolCounterSource missing({.host = "n1", .interfaces = {"fcq0"}, .netns = "fc-no-such-namespace"});
  EXPECT_TRUE(missing.snapshot().samples.empty());
  EXPECT_EQ(missing.unavailable_reason().rfind("no network namespace 'fc-no-such-namespace'", 0), 0u)
      << missing.unavailable_reason();
}

}  // namespace
}  // namespace fabcheck::counters
