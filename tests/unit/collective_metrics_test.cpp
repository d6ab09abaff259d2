// Derived collective metrics from synthetic rank results (pure): nccl-tests' time, algbw and
// busbw, percentiles, CV, the straggler link and the slowest step.
#include <gtest/gtest.h>

#include "generators/engine/collective_metrics.h"

namespace fabcheck::engine {
namespace {

CollectiveRankResult rank(int r, std::vector<int64_t> iters) {
  CollectiveRankResult x;
  x.rank = r;
  x.ranks = 4;
  x.kind = "all_reduce";
  x.algorithm = "ring";
  x.size_bytes = 1'000'000;
  x.iterations = iters.size();
  x.iteration_ns = std::move(iters);
  return x;
}

CollectiveLinkStats out(int peer, uint64_t bytes, int64_t busy_ns) {
  CollectiveLinkStats l;
  l.peer = peer;
  l.outgoing = true;
  l.bytes = bytes;
  l.busy_ns = busy_ns;
  return l;
}

TEST(CollectiveMetrics, TimeIsTheMeanOfTheSlowestRankPerIteration) {
  std::vector<CollectiveRankResult> rs = {rank(0, {1000'000, 3000'000}), rank(1, {2000'000, 1000'000}),
                                          rank(2, {500'000, 500'000}), rank(3, {1000'000, 1000'000})};
  const auto m = deriveCollectiveMetrics(rs);
  EXPECT_EQ(m.iterations, 2u);
  EXPECT_DOUBLE_EQ(m.time_us, 2500.0);                    // (2000 + 3000) / 2
  EXPECT_DOUBLE_EQ(m.algbw_gbytes_s, 1e6 / 2500e3);           // S / t in GB/s
  EXPECT_DOUBLE_EQ(m.busbw_gbytes_s, m.algbw_gbytes_s * 1.5);     // 2(n−1)/n for n = 4
  EXPECT_DOUBLE_EQ(m.p50_us, 2000.0);
  EXPECT_DOUBLE_EQ(m.p99_us, 3000.0);
  EXPECT_DOUBLE_EQ(m.cv, 500.0 / 2500.0);
  EXPECT_EQ(m.slowest_rank, 0);  // largest mean iteration time, no straggler link
  EXPECT_FALSE(m.straggler);
}

TEST(CollectiveMetrics, NamesTheSlowLinkAndTheSlowestStep) {
  std::vector<CollectiveRankResult> rs = {rank(0, {100}), rank(1, {100}), rank(2, {100}), rank(3, {100})};
  for (int r = 0; r < 4; ++r) rs[r].links = {out((r + 1) % 4, 1'000'000, 1'000'000)};  // 8 Gbit/s
  rs[2].links[0].busy_ns = 100'000'000;                                                 // 2 → 3: 0.08 Gbit/s
  rs[3].steps = {{10, 10, 2}, {5000, 4000, 2}};
  rs[1].steps = {{20, 20, 0}, {30, 30, 0}};
  const auto m = deriveCollectiveMetrics(rs);
  EXPECT_TRUE(m.straggler);
  EXPECT_EQ(m.straggler_rank, 2);
  EXPECT_EQ(m.straggler_link_from, 2);
  EXPECT_EQ(m.straggler_link_to, 3);
  EXPECT_DOUBLE_EQ(m.median_link_gbit_s, 8.0);
  EXPECT_EQ(m.slowest_rank, 2);
  EXPECT_EQ(m.slowest_step, 1);
  EXPECT_EQ(m.slowest_step_from, 2);
  EXPECT_EQ(m.slowest_step_to, 3);
  EXPECT_DOUBLE_EQ(m.slowest_step_us, 5.0);
}

TEST(CollectiveMetrics, ASlowHostIsTheRankInEverySlowLink) {
  // Ring 0→1→2→3→0 with rank 2's port slow both ways: 1 → 2 and 2 → 3 are slow; 1 → 2 slowest.
  std::vector<CollectiveRankResult> rs = {rank(0, {100}), rank(1, {100}), rank(2, {100}), rank(3, {100})};
  for (int r = 0; r < 4; ++r) rs[r].links = {out((r + 1) % 4, 1'000'000, 1'000'000)};  // 8 Gbit/s
  rs[1].links[0].busy_ns = 400'000'000;  // 1 → 2: 0.02 Gbit/s
  rs[2].links[0].busy_ns = 200'000'000;  // 2 → 3: 0.04 Gbit/s
  const auto m = deriveCollectiveMetrics(rs);
  EXPECT_TRUE(m.straggler);
  EXPECT_EQ(m.straggler_links, 2u);
  EXPECT_EQ(m.straggler_rank, 2);        // in both slow links, though 1 sends the slowest
  EXPECT_EQ(m.straggler_link_from, 1);
  EXPECT_EQ(m.straggler_link_to, 2);
  EXPECT_EQ(m.slowest_rank, 2);
}

TEST(CollectiveMetrics, SlowLinksWithoutACommonRankNameTheSlowestSender) {
  std::vector<CollectiveRankResult> rs = {rank(0, {100}), rank(1, {100}), rank(2, {100}), rank(3, {100}),
                                          rank(4, {100}), rank(5, {100})};
  for (int r = 0; r < 6; ++r) rs[r].links = {out((r + 1) % 6, 1'000'000, 1'000'000)};
  rs[0].links[0].busy_ns = 300'000'000;  // 0 → 1
  rs[3].links[0].busy_ns = 400'000'000;  // 3 → 4, the slowest
  const auto m = deriveCollectiveMetrics(rs);
  EXPECT_EQ(m.straggler_links, 2u);
  EXPECT_EQ(m.straggler_rank, 3);
}

TEST(CollectiveMetrics, ErrorsAreListedPerRank) {
  std::vector<CollectiveRankResult> rs = {rank(0, {100}), rank(1, {})};
  rs[1].error = "timed out";
  const auto m = deriveCollectiveMetrics(rs);
  ASSERT_EQ(m.errors.size(), 1u);
  EXPECT_EQ(m.errors[0], "rank 1: timed out");
  EXPECT_EQ(m.iterations, 0u);
  EXPECT_EQ(m.time_us, 0);
}

}  // namespace
}  // namespace fabcheck::engine
