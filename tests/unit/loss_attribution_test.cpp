// Loss on an emulated fabric is attributed to its switch queues or to the emulating machine.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness/results/loss_attribution.h"

namespace fabcheck::results {
namespace {

using nlohmann::json;

TEST(LossAttribution, NothingOffAnEmulatedFabric) {
  EXPECT_TRUE(lossAttribution(json{{"loss_ratio", 0.1}}).empty());
  EXPECT_TRUE(lossAttribution(json{{"fabric", {{"emulator_drops", 3}}}}).empty()) << "no queue figure: ports unread";
}

TEST(LossAttribution, QueueDropsAreTheFabrics) {
  const auto f = lossAttribution(json{{"fabric", {{"queue_drops", 12}, {"emulator_drops", 4}}}});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0], "the emulated switch queues dropped 12 packets (fabric.queue_drops)");
}

TEST(LossAttribution, BacklogDropsWithoutQueueDropsAreTheEmulators) {
  const auto f = lossAttribution(json{{"fabric", {{"queue_drops", 0}, {"emulator_drops", 7}}}});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].find("dropped 7 in its softnet backlog"), std::string::npos) << f[0];
  EXPECT_NE(f[0].find("the emulator's loss, not the fabric's"), std::string::npos) << f[0];
}

TEST(LossAttribution, SpuriousRetransmissionsWithoutQueueDropsAreNamed) {
  const auto f = lossAttribution(json{{"fabric", {{"queue_drops", 0}, {"emulator_drops", 0}}},
                                      {"tcp", {{"retransmitted_segments", 115}, {"spurious_retransmissions", 115}}}});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rfind("115 of 115 TCP retransmissions were spurious", 0), 0u) << f[0];
  const auto with_drops = lossAttribution(json{{"fabric", {{"queue_drops", 3}}}, {"tcp", {{"retransmitted_segments", 9}}}});
  ASSERT_EQ(with_drops.size(), 1u) << "queue drops explain retransmissions: only they are named";
}

TEST(LossAttribution, TheLossMetrics) {
  for (const char* m : {"loss_ratio", "lost_packets", "tcp.retransmitted_segments", "collective.retransmissions"}) {
    EXPECT_TRUE(isLossMetric(m)) << m;
  }
  EXPECT_FALSE(isLossMetric("throughput_gbps"));
}

}  // namespace
}  // namespace fabcheck::results
