// The lossless verdict, pause activity and ECN consistency (pure functions of harness/counters).
#include <gtest/gtest.h>

#include "harness/counters/ecn_consistency.h"
#include "harness/counters/lossless_verdict.h"
#include "harness/counters/pause_activity.h"

namespace fabcheck::counters {
namespace {

constexpr int64_t kOneMs = 1'000'000;

LosslessHost cleanHost(const std::string& name) {
  LosslessHost h{.host = name};
  h.metrics = {{"nic.discards", 0}, {"nic.rdma.out_of_sequence", 0}};
  h.storm = PfcStormResult{};
  return h;
}

TEST(LosslessVerdict, CleanHostsAndNoLossIsOk) {
  const auto v = losslessVerdict({.hosts = {cleanHost("h1"), cleanHost("h2")}, .lost_packets = 0});
  EXPECT_TRUE(v.known);
  EXPECT_TRUE(v.ok());
  EXPECT_TRUE(v.violations.empty());
  EXPECT_NE(std::find(v.checked.begin(), v.checked.end(), "h2: nic.discards"), v.checked.end());
}

TEST(LosslessVerdict, ADiscardNamesHostCounterAndAmount) {
  LosslessHost h2 = cleanHost("h2");
  h2.metrics["nic.discards"] = 12;
  h2.contributors["nic.discards"] = {{"rx_discards_phy{dev=eth0,host=h2}", 12}};
  const auto v = losslessVerdict({.hosts = {cleanHost("h1"), h2}});
  EXPECT_TRUE(v.known);
  EXPECT_FALSE(v.ok());
  ASSERT_EQ(v.violations.size(), 1u);
  EXPECT_EQ(v.violations[0], "h2: nic.discards rose by 12 (rx_discards_phy{dev=eth0,host=h2}: 12)");
}

TEST(LosslessVerdict, TrafficLossAndStormsAreViolations) {
  LosslessHost h = cleanHost("h1");
  h.first_sample_mono_ns = 1000 * kOneMs;
  h.storm->storms.push_back({.nic = {{"host", "h1"}, {"dev", "eth0"}}, .priority = 3, .start_mono_ns = 2500 * kOneMs,
                             .duration_ns = 400 * kOneMs, .max_duty = 0.95});
  h.storm->storm_error_events = 2;
  auto v = losslessVerdict({.hosts = {h}, .lost_packets = 5});
  ASSERT_EQ(v.violations.size(), 3u);
  EXPECT_EQ(v.violations[0], "traffic: 5 messages lost");
  EXPECT_EQ(v.violations[1], "h1: PFC storm on dev=eth0 priority 3: pause duty up to 0.95 for 400 ms from +1.5 s");
  EXPECT_NE(v.violations[2].find("tx_pause_storm_error_events rose by 2"), std::string::npos);
  // A storm on a priority that is not judged is not a lossless violation.
  h.storm->storm_error_events = 0;
  v = losslessVerdict({.hosts = {h}, .priorities = {4}});
  EXPECT_TRUE(v.ok()) << v.violations.front();
}

TEST(LosslessVerdict, AHostWithoutNicCountersMakesItUnknown) {
  LosslessHost blind{.host = "h2", .missing = {{"nic.discards", "ethtool unavailable: veth0 has no such statistics"}}};
  blind.storm_not_judged = "its NIC has no per-priority pause counters";
  const auto v = losslessVerdict({.hosts = {cleanHost("h1"), blind}, .lost_packets = 0});
  EXPECT_FALSE(v.known);
  EXPECT_FALSE(v.ok());
  EXPECT_NE(v.why_unknown.find("h2"), std::string::npos) << v.why_unknown;
  EXPECT_NE(v.why_unknown.find("ethtool unavailable"), std::string::npos) << v.why_unknown;
  EXPECT_FALSE(losslessVerdict({}).known);
}

CounterSnapshot pauseAt(int64_t t_ms, uint64_t rx_frames, std::optional<uint64_t> duration_us) {
  const Labels nic{{"host", "h1"}, {"dev", "eth0"}};
  CounterSnapshot s{.taken_mono_ns = t_ms * kOneMs};
  s.samples.push_back({.name = "rx_prio3_pause", .labels = nic, .value = rx_frames});
  if (duration_us) s.samples.push_back({.name = "rx_prio3_pause_duration", .labels = nic, .value = *duration_us});
  s.samples.push_back({.name = "rx_prio4_pause", .labels = nic, .value = 7});  // never rises: no line
  return s;
}

TEST(PauseActivity, DutyAndFrameRatesPerInterval) {
  const auto lines = pauseActivity({pauseAt(0, 0, 0), pauseAt(100, 10, 50'000), pauseAt(200, 10, 50'000), pauseAt(300, 30, std::nullopt)});
  ASSERT_EQ(lines.size(), 1u);
  const PauseLine& l = lines[0];
  EXPECT_EQ(l.priority, 3);
  EXPECT_TRUE(l.has_duration);
  ASSERT_EQ(l.duty.size(), 3u);
  EXPECT_DOUBLE_EQ(*l.duty[0], 0.5);
  EXPECT_DOUBLE_EQ(*l.duty[1], 0.0);
  EXPECT_FALSE(l.duty[2].has_value()) << "the duration counter vanished: unknown, not zero";
  EXPECT_DOUBLE_EQ(*l.rx_frames_per_s[0], 100.0);
  EXPECT_DOUBLE_EQ(*l.rx_frames_per_s[2], 200.0);
  EXPECT_EQ(l.rx_frames, 30u);
  EXPECT_DOUBLE_EQ(l.max_duty, 0.5);
  EXPECT_FALSE(l.tx_frames_per_s[0].has_value());
}

TEST(EcnConsistency, CoalescedCnpsAreConsistent) {
  const auto e = ecnConsistency(1000, 400, 395);
  EXPECT_TRUE(e.consistent);
  EXPECT_DOUBLE_EQ(*e.cnp_per_mark, 0.4);
  EXPECT_NEAR(*e.handled_per_cnp, 0.9875, 1e-9);
}

TEST(EcnConsistency, BrokenExpectationsAreNamed) {
  auto e = ecnConsistency(1000, 0, 0);
  EXPECT_FALSE(e.consistent);
  EXPECT_NE(e.problems.at(0).find("no CNP sent"), std::string::npos);
  e = ecnConsistency(100, 100, 50);
  EXPECT_FALSE(e.consistent);
  EXPECT_NE(e.problems.at(0).find("50 handled"), std::string::npos);
  e = ecnConsistency(0, 0, 0);
  EXPECT_TRUE(e.consistent);
  EXPECT_FALSE(e.cnp_per_mark.has_value());
}

}  // namespace
}  // namespace fabcheck::counters
