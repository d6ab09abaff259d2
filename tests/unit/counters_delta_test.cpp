#include <gtest/gtest.h>

#include "generators/core/errors.h"
#include "harness/counters/counter_delta.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::counters {
namespace {

CounterSample sample(const std::string& name, uint64_t value, int width = 64, bool saturating = false, std::string dev = "eth0") {
  return CounterSample{.name = name, .labels = {{"host", "h"}, {"dev", dev}}, .value = value, .width_bits = width, .saturating = saturating};
}

CounterSnapshot snap(std::vector<CounterSample> samples, int64_t t = 0) { return CounterSnapshot{.taken_mono_ns = t, .samples = samples}; }

TEST(CountersDelta, PlainIncrease) {
  const auto d = delta(snap({sample("rx_bytes", 100)}), snap({sample("rx_bytes", 350)}));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].status, DeltaStatus::kOk);
  EXPECT_EQ(d[0].delta, 250u);
  EXPECT_EQ(d[0].labels.at("dev"), "eth0");
}

TEST(CountersDelta, MatchesByNameAndLabelsNotByPosition) {
  const auto d = delta(snap({sample("rx", 10, 64, false, "a"), sample("rx", 100, 64, false, "b")}),
                       snap({sample("rx", 150, 64, false, "b"), sample("rx", 11, 64, false, "a")}));
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].labels.at("dev"), "b");
  EXPECT_EQ(d[0].delta, 50u);
  EXPECT_EQ(d[1].labels.at("dev"), "a");
  EXPECT_EQ(d[1].delta, 1u);
}

TEST(CountersDelta, ThirtyTwoBitCounterWrapsOnce) {
  const auto d = delta(snap({sample("out_of_sequence", 0xFFFF'FFF0u, 32)}), snap({sample("out_of_sequence", 0x10, 32)}));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].status, DeltaStatus::kWrapped);
  EXPECT_EQ(d[0].delta, 0x20u);  // 0x0F to reach the max, 1 to wrap to 0, 0x10 more
}

TEST(CountersDelta, WrapToExactlyZero) {
  const auto d = deltaOf(sample("c", 0xFFFF'FFFFu, 32), sample("c", 0, 32));
  EXPECT_EQ(d.status, DeltaStatus::kWrapped);
  EXPECT_EQ(d.delta, 1u);
}

TEST(CountersDelta, SixteenBitWrap) {
  const auto d = deltaOf(sample("c", 65530, 16), sample("c", 4, 16));
  EXPECT_EQ(d.status, DeltaStatus::kWrapped);
  EXPECT_EQ(d.delta, 10u);
}

TEST(CountersDelta, SixtyFourBitDecreaseIsResetWithoutDelta) {
  const auto d = deltaOf(sample("rx_bytes", 1000), sample("rx_bytes", 10));
  EXPECT_EQ(d.status, DeltaStatus::kReset);
  EXPECT_FALSE(d.delta.has_value());
  EXPECT_EQ(d.before, 1000u);
  EXPECT_EQ(d.after, 10u);
}

TEST(CountersDelta, SaturatingCounterAtMaxHasNoDelta) {
  // Reached the max during the interval: the true increase is unknown.
  auto d = deltaOf(sample("port_rcv_data", 100, 32, true), sample("port_rcv_data", 0xFFFF'FFFFu, 32, true));
  EXPECT_EQ(d.status, DeltaStatus::kSaturated);
  EXPECT_FALSE(d.delta.has_value());
  // Stuck at the max before and after: still unknown, never "0".
  d = deltaOf(sample("symbol_error", 65535, 16, true), sample("symbol_error", 65535, 16, true));
  EXPECT_EQ(d.status, DeltaStatus::kSaturated);
  EXPECT_FALSE(d.delta.has_value());
  d = deltaOf(sample("x", ~0ull, 64, true), sample("x", ~0ull, 64, true));
  EXPECT_EQ(d.status, DeltaStatus::kSaturated);
}

TEST(CountersDelta, SaturatingCounterBelowMaxIsNormal) {
  const auto d = deltaOf(sample("symbol_error", 3, 16, true), sample("symbol_error", 65534, 16, true));
  EXPECT_EQ(d.status, DeltaStatus::kOk);
  EXPECT_EQ(d.delta, 65531u);
}

TEST(CountersDelta, SaturatingCounterThatWentDownWasCleared) {
  const auto d = deltaOf(sample("symbol_error", 65535, 16, true), sample("symbol_error", 2, 16, true));
  EXPECT_EQ(d.status, DeltaStatus::kReset);
  EXPECT_FALSE(d.delta.has_value());
}

TEST(CountersDelta, WideningFrom32To64BitsIsAnIncrease) {
  const auto d = deltaOf(sample("port_xmit_data", 0xFFFF'0000u, 32, true), sample("port_xmit_data", 0x1'0000'0010ull, 64, true));
  EXPECT_EQ(d.status, DeltaStatus::kOk);
  EXPECT_EQ(d.delta, 0x1'0010u);
}

TEST(CountersDelta, NarrowingBelowTheOldValueIsAReset) {
  const auto d = deltaOf(sample("c", 0x1'0000'0000ull, 64), sample("c", 5, 32));
  EXPECT_EQ(d.status, DeltaStatus::kReset);
}

TEST(CountersDelta, AppearedAndVanishedAreReportedNotInvented) {
  const auto d = delta(snap({sample("a", 1), sample("gone", 7)}), snap({sample("a", 2), sample("rx_prio3_pause", 17)}));
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].name, "a");
  EXPECT_EQ(d[1].name, "rx_prio3_pause");
  EXPECT_EQ(d[1].status, DeltaStatus::kAppeared);
  EXPECT_FALSE(d[1].delta.has_value());
  EXPECT_EQ(d[1].after, 17u);
  EXPECT_FALSE(d[1].before.has_value());
  EXPECT_EQ(d[2].name, "gone");
  EXPECT_EQ(d[2].status, DeltaStatus::kVanished);
  EXPECT_EQ(d[2].before, 7u);
  EXPECT_FALSE(d[2].delta.has_value());
}

TEST(CountersDelta, GaugeReportsItsLastValue) {
  CounterSample b = sample("backlog", 9000), a = sample("backlog", 3000);
  b.kind = a.kind = SampleKind::kGauge;
  const auto d = deltaOf(b, a);
  EXPECT_EQ(d.status, DeltaStatus::kGauge);
  EXPECT_FALSE(d.delta.has_value());
  EXPECT_EQ(d.after, 3000u);
}

TEST(CountersDelta, EmptySnapshotsGiveNoDeltas) { EXPECT_TRUE(delta(snap({}), snap({})).empty()); }

TEST(CountersDelta, BadInputIsAClearError) {
  using testing::errorOf;
  EXPECT_EQ(errorOf<Error>([] { delta(snap({sample("a", 1), sample("a", 2)}), snap({})); }),
            "counter a{dev=eth0,host=h} appears twice in the before snapshot; expected each name+labels once");
  EXPECT_EQ(errorOf<Error>([] { delta(snap({}), snap({sample("a", 1ull << 40, 32)})); }),
            "counter a{dev=eth0,host=h} in the after snapshot: value 1099511627776 exceeds its 32-bit width");
  EXPECT_EQ(errorOf<Error>([] { delta(snap({sample("a", 1, 0)}), snap({})); }),
            "counter a{dev=eth0,host=h} in the before snapshot: width_bits 0, expected 1..64");
  EXPECT_EQ(errorOf<Error>([] { deltaOf(sample("a", 1, 32, true), sample("a", 2, 32, false)); }),
            "counter a{dev=eth0,host=h} changed type between snapshots (saturating or gauge); expected the same in both");
}

TEST(CountersDelta, StatusNames) {
  EXPECT_STREQ(toString(DeltaStatus::kOk), "ok");
  EXPECT_STREQ(toString(DeltaStatus::kSaturated), "saturated");
  EXPECT_STREQ(toString(DeltaStatus::kAppeared), "appeared");
}

}  // namespace
}  // namespace fabcheck::counters
