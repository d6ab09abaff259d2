#include <gtest/gtest.h>

#include "harness/counters/pfc_storm.h"

namespace fabcheck::counters {
namespace {

constexpr int64_t kMs = 1'000'000;

// One ethtool snapshot of eth0 at `t_ms` with priority 3's cumulative pause duration (µs) and tx packets.
CounterSnapshot at(int64_t t_ms, uint64_t pause_us, std::optional<uint64_t> tx_packets, uint64_t storm_errors = 0) {
  const Labels nic{{"host", "n1"}, {"dev", "eth0"}};
  CounterSnapshot s{.taken_mono_ns = t_ms * kMs};
  s.samples.push_back({.name = "rx_prio3_pause_duration", .labels = nic, .value = pause_us});
  if (tx_packets) s.samples.push_back({.name = "tx_prio3_packets", .labels = nic, .value = *tx_packets});
  s.samples.push_back({.name = "tx_pause_storm_error_events", .labels = nic, .value = storm_errors});
  return s;
}

TEST(CountersPfcStorm, PausedAndIdleForLongEnoughIsAStorm) {
  // 100 ms intervals; from 100 ms to 400 ms paused 90% of the time and sending nothing.
  const auto r = evaluatePfcStorm({at(0, 0, 0), at(100, 1'000, 5000), at(200, 91'000, 5000), at(300, 181'000, 5000),
                                   at(400, 271'000, 5000), at(500, 272'000, 9000)});
  ASSERT_TRUE(r.failed);
  ASSERT_EQ(r.storms.size(), 1u);
  EXPECT_EQ(r.storms[0].priority, 3);
  EXPECT_EQ(r.storms[0].nic.at("dev"), "eth0");
  EXPECT_EQ(r.storms[0].start_mono_ns, 100 * kMs);
  EXPECT_EQ(r.storms[0].duration_ns, 300 * kMs);
  EXPECT_DOUBLE_EQ(r.storms[0].max_duty, 0.9);
  EXPECT_TRUE(r.notes.empty());
}

TEST(CountersPfcStorm, ShortBurstOfPauseIsNotAStorm) {
  // Only 100 ms at 90%: shorter than 200 ms.
  const auto r = evaluatePfcStorm({at(0, 0, 0), at(100, 90'000, 0), at(200, 91'000, 0)});
  EXPECT_FALSE(r.failed);
  EXPECT_TRUE(r.storms.empty());
}

TEST(CountersPfcStorm, PausedButStillTransmittingIsNotAStorm) {
  // 90% paused but 50k packets per 100 ms go out: congestion, not a storm.
  const auto r = evaluatePfcStorm({at(0, 0, 0), at(100, 90'000, 50'000), at(200, 180'000, 100'000), at(300, 270'000, 150'000)});
  EXPECT_FALSE(r.failed);
}

TEST(CountersPfcStorm, DutyBelowThresholdIsNotAStorm) {
  const auto r = evaluatePfcStorm({at(0, 0, 0), at(100, 79'000, 0), at(200, 158'000, 0), at(300, 237'000, 0)});
  EXPECT_FALSE(r.failed);
}

TEST(CountersPfcStorm, AStormRunningToTheEndCounts) {
  const auto r = evaluatePfcStorm({at(0, 0, 0), at(100, 100'000, 0), at(200, 200'000, 0)});
  ASSERT_EQ(r.storms.size(), 1u);
  EXPECT_EQ(r.storms[0].duration_ns, 200 * kMs);
  EXPECT_DOUBLE_EQ(r.storms[0].max_duty, 1.0);
}

TEST(CountersPfcStorm, WithoutTxCounterDutyAloneDecidesWithANote) {
  const auto r = evaluatePfcStorm({at(0, 0, std::nullopt), at(100, 95'000, std::nullopt), at(200, 190'000, std::nullopt)});
  EXPECT_TRUE(r.failed);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(r.notes[0], "rx_prio3_pause_duration{dev=eth0,host=n1}: no tx_prio3_packets delta, idleness not checked");
}

TEST(CountersPfcStorm, AnyStormErrorEventFails) {
  const auto r = evaluatePfcStorm({at(0, 0, 0, 4), at(100, 0, 1000, 5)});
  EXPECT_TRUE(r.failed);
  EXPECT_TRUE(r.storms.empty());
  EXPECT_EQ(r.storm_error_events, 1u);
}

TEST(CountersPfcStorm, ResetCounterBreaksTheRun) {
  // 100 ms storm, a reset, 100 ms storm: two runs of 100 ms, neither long enough.
  const auto r = evaluatePfcStorm({at(0, 500'000, 0), at(100, 600'000, 0), at(200, 10, 0), at(300, 100'010, 0)});
  EXPECT_FALSE(r.failed);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("no known delta in interval 2"), std::string::npos) << r.notes[0];
}

TEST(CountersPfcStorm, TooFewSnapshots) {
  const auto r = evaluatePfcStorm({at(0, 0, 0)});
  EXPECT_FALSE(r.failed);
  EXPECT_EQ(r.notes.at(0), "fewer than two snapshots: no PFC storm evaluation");
}

}  // namespace
}  // namespace fabcheck::counters
