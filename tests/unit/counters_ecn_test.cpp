// ECN counters: the flat metrics of the fabric's marks and the hosts' IpExt counters, and the
// fabric_ecn source where nothing is pinned (the real maps: tests/integration/fabric_ecn_test.cpp).
#include <gtest/gtest.h>

#include "harness/counters/ecn_mark_counter_source.h"
#include "harness/counters/flat_metrics.h"
#include "tests/support/temp_dir.h"

namespace fabcheck::counters {
namespace {

CounterDelta known(const std::string& name, Labels labels, uint64_t d) {
  return CounterDelta{.name = name, .labels = std::move(labels), .delta = d, .before = 0, .after = d};
}

TEST(CountersEcn, FlatMetricsSumMarksOverPortsAndCeAndEctOverHosts) {
  CounterDeltas f{.source = "fabric_ecn"};
  f.counters.push_back(known("ecn_marked", {{"netns", "fc-a-sw"}, {"dev", "p1"}}, 40));
  f.counters.push_back(known("ecn_marked", {{"netns", "fc-a-sw"}, {"dev", "p2"}}, 2));
  f.counters.push_back(known("ecn_ect_packets", {{"netns", "fc-a-sw"}, {"dev", "p1"}}, 500));
  CounterDeltas s{.source = "snmp"};
  s.counters.push_back(known("IpExt.InCEPkts", {{"host", "h1"}}, 42));
  s.counters.push_back(known("IpExt.InECT0Pkts", {{"host", "h1"}}, 458));
  s.counters.push_back(known("IpExt.InECT1Pkts", {{"host", "h1"}}, 1));
  s.counters.push_back(known("IpExt.InNoECTPkts", {{"host", "h1"}}, 9));
  const FlatMetrics m = flatMetrics({f, s});
  EXPECT_EQ(m.values.at("fabric.ecn_marked_packets"), 42);
  EXPECT_EQ(m.values.at("host.ce_packets"), 42);
  EXPECT_EQ(m.values.at("host.ect_packets"), 459);
}

TEST(CountersEcn, MetricsAreAbsentWithAReasonWhenNothingWasCounted) {
  CounterDeltas s{.source = "snmp"};
  s.counters.push_back(known("Udp.InErrors", {{"host", "h1"}}, 0));  // a kernel without netstat's IpExt
  const FlatMetrics m = flatMetrics({s});
  EXPECT_EQ(m.values.count("host.ce_packets"), 0u);
  EXPECT_EQ(m.missing.at("host.ce_packets"), "no counter for it in the snmp source");
  EXPECT_EQ(m.missing.at("fabric.ecn_marked_packets"), "the fabric_ecn source was not read");
  CounterDeltas f{.source = "fabric_ecn", .unavailable_reason = "no ECN-marking ports"};
  EXPECT_EQ(flatMetrics({f}).missing.at("fabric.ecn_marked_packets"), "fabric_ecn unavailable: no ECN-marking ports");
}

TEST(CountersEcn, SourceWithoutPinDirectoryIsUnavailableNotZero) {
  EcnMarkCounterSource src({.pin_dir = "/nonexistent/fabcheck/x"});
  EXPECT_EQ(src.name(), "fabric_ecn");
  EXPECT_TRUE(src.snapshot().samples.empty());
  EXPECT_NE(src.unavailable_reason().find("cannot list /nonexistent/fabcheck/x"), std::string::npos) << src.unavailable_reason();
  testing::TempDir empty("fc-ecn");
  EcnMarkCounterSource none({.pin_dir = empty.path()});
  EXPECT_TRUE(none.snapshot().samples.empty());
  EXPECT_EQ(none.unavailable_reason(), empty.path() + " holds no port's map (no port marks ECN)");
}

}  // namespace
}  // namespace fabcheck::counters
