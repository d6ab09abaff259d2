// The pause-statistics client (ethtool_pause_netlink.h) against this kernel, on a real veth pair
// in fresh network namespaces: the "ethtool" family resolves and ETHTOOL_MSG_PAUSE_GET reaches
// the driver, whose answer is EOPNOTSUPP (veth has no pause operations) — "unavailable" with
// that reason, no counters; ethtool itself says the same. A missing interface and a missing
// namespace say so. The ethtool counter source then has no pause samples and a note naming the
// interface. No device on this host reports pause statistics (no netdevsim, no NIC with
// get_pause_stats), so the reported path is covered by the crafted replies of
// tests/unit/counters_pause_netlink_test.cpp and, through the source, by a stand-in reader.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "harness/counters/ethtool_counter_source.h"
#include "harness/counters/ethtool_pause_netlink.h"
#include "tests/integration/counters_netns.h"

namespace fabcheck::counters {
namespace {

using testing::VethPair;

TEST(PauseKernel, AVethAnswersThatItsDriverHasNoPauseOperations) {
  VethPair veth;
  if (!veth.unavailableReason().empty()) GTEST_SKIP() << veth.unavailableReason();
  ASSERT_TRUE(veth.ok());
  const PauseRead r = readPauseStats("fcq0", veth.a());
  // kNoFamily would mean the lookup failed; the text without "(kernel: ...)" means EOPNOTSUPP came
  // from the driver check in pause_prepare_data, not from the request's parsing.
  EXPECT_EQ(r.availability, PauseAvailability::kNoPauseOps) << r.reason;
  EXPECT_EQ(r.reason, "fcq0 in namespace " + veth.a() + ": driver has no pause operations (EOPNOTSUPP)");
  EXPECT_FALSE(r.tx_frames || r.rx_frames || r.autoneg || r.rx_pause || r.tx_pause);
  const auto tool = testing::sh({"/usr/sbin/ip", "netns", "exec", veth.a(), "ethtool", "-I", "-a", "fcq0"});
  EXPECT_NE(tool.status.code, 0) << tool.out;
  EXPECT_NE(tool.err.find("Operation not supported"), std::string::npos) << "ethtool agrees: " << tool.err;
}

TEST(PauseKernel, AMissingInterfaceAndAMissingNamespaceSaySo) {
  VethPair veth;
  if (!veth.unavailableReason().empty()) GTEST_SKIP() << veth.unavailableReason();
  const PauseRead gone = readPauseStats("nosuch0", veth.a());
  EXPECT_EQ(gone.availability, PauseAvailability::kNoDevice) << gone.reason;
  EXPECT_EQ(gone.reason.rfind("nosuch0 in namespace " + veth.a() + ": no such interface (ENODEV)", 0), 0u) << gone.reason;
  const PauseRead lo = readPauseStats("lo", veth.a());
  EXPECT_EQ(lo.availability, PauseAvailability::kNoPauseOps) << lo.reason;
  const PauseRead no_ns = readPauseStats("fcq0", "fc-no-such-namespace");
  EXPECT_EQ(no_ns.availability, PauseAvailability::kNoNamespace);
  EXPECT_EQ(no_ns.reason.rfind("entering the namespace fc-no-such-namespace for fcq0: ", 0), 0u) << no_ns.reason;
}

TEST(PauseKernel, TheEthtoolSourceHasNoPauseSamplesAndSaysWhy) {
  VethPair veth;
  if (!veth.unavailableReason().empty()) GTEST_SKIP() << veth.unavailableReason();
  EthtoolCounterSource src({.host = "n1", .interfaces = {"fcq0"}, .netns = veth.a()});
  const CounterSnapshot snap = src.snapshot();
  EXPECT_EQ(src.unavailable_reason(), "");
  EXPECT_FALSE(snap.samples.empty()) << "the driver's own statistics are still read";
  EXPECT_TRUE(std::none_of(snap.samples.begin(), snap.samples.end(),
                           [](const CounterSample& s) { return s.name.rfind("pause_stat.", 0) == 0; }));
  ASSERT_EQ(snap.notes.size(), 1u);
  EXPECT_EQ(snap.notes[0], "pause statistics: fcq0 in namespace " + veth.a() + ": driver has no pause operations (EOPNOTSUPP)");
}

// The reported path through the source, with a stand-in reader (the seam): the counters become
// samples labelled as the interface's other samples; a counter not reported has no sample and
// the note says which; a kernel without the family is asked once, not once per interface.
TEST(PauseKernel, ReportedCountersBecomeSamplesWithTheInterfacesLabels) {
  VethPair veth;
  if (!veth.unavailableReason().empty()) GTEST_SKIP() << veth.unavailableReason();
  std::vector<std::string> asked;
  auto reader = [&](const std::string& ifname, const std::string& netns) {
    asked.push_back(ifname + "@" + netns);
    PauseRead r;
    r.availability = PauseAvailability::kReported;
    r.rx_frames = 12;
    if (ifname == "fcq0") r.tx_frames = 34;
    if (ifname == "lo") r.reason = "lo: the driver does not report tx_frames";
    return r;
  };
  EthtoolCounterSource src({.host = "n1", .interfaces = {"fcq0", "lo"}, .netns = veth.a(), .pause_reader = reader});
  const CounterSnapshot snap = src.snapshot();
  EXPECT_EQ(asked, (std::vector<std::string>{"fcq0@" + veth.a(), "lo@" + veth.a()}));
  std::map<std::string, CounterSample> pause;
  Labels fcq0_labels;
  for (const auto& s : snap.samples) {
    if (s.name.rfind("pause_stat.", 0) == 0) pause[s.labels.at("dev") + "/" + s.name] = s;
    if (s.labels.at("dev") == "fcq0" && s.name == "rx_queue_0_drops") fcq0_labels = s.labels;
  }
  ASSERT_FALSE(fcq0_labels.empty()) << "veth's own rx_queue_0_drops";
  ASSERT_EQ(pause.size(), 3u);
  EXPECT_EQ(pause.at("fcq0/pause_stat.tx_frames").value, 34u);
  EXPECT_EQ(pause.at("fcq0/pause_stat.rx_frames").value, 12u);
  EXPECT_EQ(pause.at("fcq0/pause_stat.rx_frames").labels, fcq0_labels);
  EXPECT_EQ(pause.at("fcq0/pause_stat.rx_frames").width_bits, 64);
  EXPECT_EQ(pause.at("lo/pause_stat.rx_frames").value, 12u);
  EXPECT_EQ(pause.count("lo/pause_stat.tx_frames"), 0u);
  ASSERT_FALSE(snap.notes.empty());
  EXPECT_EQ(snap.notes[0], "pause statistics: lo: the driver does not report tx_frames");

  asked.clear();
  auto no_family = [&](const std::string& ifname, const std::string&) {
    asked.push_back(ifname);
    PauseRead r;
    r.availability = PauseAvailability::kNoFamily;
    r.reason = ifname + ": no 'ethtool' generic-netlink family in this kernel";
    return r;
  };
  EthtoolCounterSource old_kernel({.host = "n1", .interfaces = {"fcq0", "lo"}, .netns = veth.a(), .pause_reader = no_family});
  const CounterSnapshot old_snap = old_kernel.snapshot();
  EXPECT_EQ(asked, std::vector<std::string>{"fcq0"});
  ASSERT_FALSE(old_snap.notes.empty());
  EXPECT_EQ(old_snap.notes[0], "pause statistics: fcq0: no 'ethtool' generic-netlink family in this kernel");
}

}  // namespace
}  // namespace fabcheck::counters
