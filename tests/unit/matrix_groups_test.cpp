// The aggregation behind the HTML report at scale (issue 18): hosts into groups (switch, else
// blocks), a grouped matrix's cells (worst pair, median, outliers), the worst pairs, and per-flow
// values into histogram buckets with the worst flows.
#include "reports/matrix_groups.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "reports/flow_distribution.h"

namespace fabcheck::reports {
namespace {

// 4 hosts: 0 and 2 on "leafB", 1 on "leafA", 3 unknown; throughput (higher is better).
svg::Heatmap fourHosts() {
  svg::Heatmap h{"t", "Gbit/s", true, "sender", "receiver", {"a0", "a1", "a2", "a3"}, {}};
  h.values = {{std::nullopt, 9.0, 8.0, 9.5},
              {7.0, std::nullopt, 9.1, std::nullopt},
              {9.2, 3.0, std::nullopt, 9.3},
              {9.4, 9.6, NAN, std::nullopt}};
  h.groups = {"leafB", "leafA", "leafB", ""};
  return h;
}

TEST(MatrixGroups, HostsGroupBySwitchInNameOrderWithUnknownSwitchLast) {
  const HostGroups g = groupHosts(4, {"leafB", "leafA", "leafB", ""});
  EXPECT_EQ(g.basis, "switch");
  EXPECT_EQ(g.names, (std::vector<std::string>{"leafA", "leafB", "switch unknown"}));
  EXPECT_EQ(g.hosts, (std::vector<std::vector<size_t>>{{1}, {0, 2}, {3}}));
  // A switches list shorter than the hosts: the rest are unknown.
  EXPECT_EQ(groupHosts(3, {"s"}).hosts, (std::vector<std::vector<size_t>>{{0}, {1, 2}}));
}

TEST(MatrixGroups, WithoutSwitchesOrWithTooManyHostsGoInContiguousBlocks) {
  const HostGroups g = groupHosts(70, {});
  EXPECT_EQ(g.basis, "block");
  ASSERT_EQ(g.names.size(), 24u);  // blocks of ceil(70 / 32) = 3
  EXPECT_EQ(g.names.front(), "#0–2");
  EXPECT_EQ(g.names.back(), "#69–69");
  std::vector<size_t> seen;
  for (const auto& members : g.hosts) seen.insert(seen.end(), members.begin(), members.end());
  ASSERT_EQ(seen.size(), 70u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i);
  // A switch per host is more groups than kMaxGroups: blocks again.
  std::vector<std::string> own(100);
  for (size_t i = 0; i < own.size(); ++i) own[i] = "sw" + std::to_string(i);
  EXPECT_EQ(groupHosts(100, own).basis, "block");
  EXPECT_EQ(groupHosts(1024, {}).names.size(), kBlockGroups);
}

TEST(MatrixGroups, ACellHasItsWorstPairMedianAndOutliersAndNeverTheDiagonal) {
  svg::Heatmap h = fourHosts();
  h.flagged = {{1, 2}};  // either order counts
  const GroupedMatrix g = groupMatrix(h);
  ASSERT_EQ(g.cells.size(), 3u);
  // leafB → leafA: rows 0, 2, column 1: 9.0 and 3.0; the worst (lowest) is 2 → 1.
  const GroupCell& ba = g.cells[1][0];
  EXPECT_EQ(ba.pairs, 2u);
  ASSERT_TRUE(ba.worst);
  EXPECT_EQ(ba.worst->row, 2u);
  EXPECT_EQ(ba.worst->col, 1u);
  EXPECT_EQ(ba.worst->value, 3.0);
  EXPECT_EQ(ba.median, 6.0);
  EXPECT_EQ(ba.outliers, 1u);
  // leafB → leafB: 0 → 2 (8.0) and 2 → 0 (9.2); the diagonal cells are not pairs.
  EXPECT_EQ(g.cells[1][1].pairs, 2u);
  EXPECT_EQ(g.cells[1][1].worst->value, 8.0);
  EXPECT_DOUBLE_EQ(g.cells[1][1].median, (8.0 + 9.2) / 2);
  // leafA → unknown: 1 → 3 is null; unknown → leafB: 3 → 2 is NaN, not a value.
  EXPECT_EQ(g.cells[0][2].pairs, 0u);
  EXPECT_FALSE(g.cells[0][2].worst);
  EXPECT_EQ(g.cells[2][1].pairs, 1u);
  EXPECT_EQ(g.cells[2][1].worst->value, 9.4);
  EXPECT_EQ(g.pairs, 10u);
  EXPECT_EQ(g.min, 3.0);
  EXPECT_EQ(g.max, 9.6);
  EXPECT_DOUBLE_EQ(g.median, (9.1 + 9.2) / 2);  // of 3, 7, 8, 9, 9.1 | 9.2, 9.3, 9.4, 9.5, 9.6
  // Lower is better (latency): the highest value is the worst.
  h.higher_is_better = false;
  EXPECT_EQ(groupMatrix(h).cells[1][0].worst->value, 9.0);
}

TEST(MatrixGroups, WorstPairsAreUnorderedWorseDirectionFirstTiesByIndex) {
  svg::Heatmap h = fourHosts();
  h.flagged = {{2, 1}};
  const auto w = worstPairs(h, 3);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].a, 1u);
  EXPECT_EQ(w[0].b, 2u);
  EXPECT_EQ(w[0].value, 3.0);     // 2 → 1; 1 → 2 is 9.1
  EXPECT_EQ(*w[0].a_to_b, 9.1);
  EXPECT_EQ(*w[0].b_to_a, 3.0);
  EXPECT_TRUE(w[0].flagged);
  EXPECT_EQ(w[1].value, 7.0);     // {0, 1}: 1 → 0
  EXPECT_EQ(w[2].value, 8.0);     // {0, 2}: 0 → 2
  EXPECT_FALSE(w[2].flagged);
  // {1, 3} and {2, 3} have a value one way only (1 → 3 is null, 3 → 2 NaN).
  const auto all = worstPairs(h, 100);
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all[5].a * 10 + all[5].b, 13u);
  EXPECT_FALSE(all[5].a_to_b);
  EXPECT_EQ(*all[5].b_to_a, 9.6);
  EXPECT_EQ(all[3].value, 9.3);
  EXPECT_FALSE(all[3].b_to_a);
  // No pair with a value at all: none.
  svg::Heatmap empty{"t", "µs", false, "a", "p", {"x", "y"}, {{std::nullopt, std::nullopt}, {NAN, std::nullopt}}};
  EXPECT_TRUE(worstPairs(empty, 5).empty());
  // Ties: by a, then b.
  svg::Heatmap flat{"t", "µs", false, "a", "p", {"x", "y", "z"}, {}};
  flat.values = {{std::nullopt, 5.0, 5.0}, {5.0, std::nullopt, 5.0}, {5.0, 5.0, std::nullopt}};
  const auto tie = worstPairs(flat, 2);
  EXPECT_EQ(tie[0].a * 10 + tie[0].b, 1u);
  EXPECT_EQ(tie[1].a * 10 + tie[1].b, 2u);
}

TEST(FlowDistribution, ValuesFallInRoundBucketsTheHighestInTheLast) {
  std::vector<double> v;
  std::vector<bool> marked;
  for (int i = 0; i < 100; ++i) v.push_back(i), marked.push_back(i % 25 == 0);
  const Buckets b = bucketize(v, marked, 10);
  EXPECT_EQ(b.lo, 0);
  EXPECT_EQ(b.width, 10);
  ASSERT_EQ(b.counts.size(), 10u);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(b.counts[i], 10u) << i;
  EXPECT_EQ(b.marked, (std::vector<size_t>{1, 0, 1, 0, 0, 1, 0, 1, 0, 0}));
  // 100 lands on an edge: a bucket of its own at the end, still counted.
  v.push_back(100);
  const Buckets c = bucketize(v, {}, 10);
  ASSERT_EQ(c.counts.size(), 11u);
  EXPECT_EQ(c.counts.back(), 1u);
  EXPECT_EQ(c.marked, std::vector<size_t>(11, 0));
}

TEST(FlowDistribution, OneFarValueIsCountedAndOddValuesAreSkipped) {
  std::vector<double> v(8000, 1.25);
  v.push_back(0.3);
  v.push_back(NAN);
  v.push_back(INFINITY);
  const Buckets b = bucketize(v, {}, 20);
  EXPECT_EQ(b.skipped, 2u);
  size_t total = 0;
  for (size_t n : b.counts) total += n;
  EXPECT_EQ(total, 8001u);
  EXPECT_EQ(b.counts.front(), 1u);   // 0.3 alone in the lowest bucket
  EXPECT_EQ(b.counts.back(), 8000u);
  EXPECT_LE(b.counts.size(), 31u);
  const Buckets same = bucketize({2, 2, 2}, {}, 20);
  EXPECT_EQ(same.counts, (std::vector<size_t>{3}));
  EXPECT_EQ(same.width, 0);
  EXPECT_TRUE(bucketize({NAN}, {}, 20).counts.empty());
}

TEST(FlowDistribution, WorstFlowsAreTheSlowestAndTheMostLossy) {
  std::vector<FlowRow> f = {{"0", "a", "b", 1.2, 0, 0}, {"1", "a", "b", 0.3, 900, 0.009}, {"2", "a", "b", 1.1, 3, 3e-5},
                            {"3", "a", "b", 1.1, 0, 0}, {"4", "a", "b", NAN, 0, 0}};
  EXPECT_EQ(lowestThroughput(f, 3), (std::vector<size_t>{1, 2, 3}));
  EXPECT_EQ(lowestThroughput(f, 10).size(), 4u);  // the NaN flow is left out
  EXPECT_EQ(mostLost(f, 10), (std::vector<size_t>{1, 2}));
  EXPECT_EQ(mostLost(f, 1), (std::vector<size_t>{1}));
}

}  // namespace
}  // namespace fabcheck::reports
