// Confirming a matrix's flagged pairs by retests (harness/plan/matrix_retests.h): a pair that
// recovers is cleared, one that stays outside is confirmed after every retest, retests 0 leaves
// the first pass to decide, and a latency matrix is judged the other way round.
#include "harness/plan/matrix_retests.h"

#include <gtest/gtest.h>

namespace fabcheck::plan {
namespace {

// A throughput matrix's tolerance: reference 1.0 Gbit/s, ratio 0.9 (outside below 0.9).
MatrixTolerance retestThroughputTolerance() { return {MatrixMetric::kThroughput, 1.0, 0.9}; }

patterns::FlowSpec retestFlow(uint32_t id, int sender, int receiver) {
  patterns::FlowSpec f;
  f.flow_id = id;
  f.sender = sender;
  f.receiver = receiver;
  return f;
}

model::MatrixRetest retestedPair(std::vector<std::optional<double>> values) {
  return {0, 1, 0.5, std::move(values)};
}

TEST(MatrixRetests, APairThatRecoversOnRetestIsCleared) {
  const MatrixTolerance t = retestThroughputTolerance();
  const model::MatrixRetest recovered = retestedPair({0.98});
  EXPECT_FALSE(stillOutside(recovered, t));
  EXPECT_FALSE(confirmed(recovered, t, 2));
  EXPECT_TRUE(pairsToRetest({recovered}, t, 2).empty()) << "a cleared pair is not run again";
  // Recovering in the last retest clears it too: it must be outside in every one.
  EXPECT_FALSE(confirmed(retestedPair({0.5, 0.95}), t, 2));
}

TEST(MatrixRetests, APairThatStaysLowIsConfirmedAfterEveryRetest) {
  const MatrixTolerance t = retestThroughputTolerance();
  const model::MatrixRetest once = retestedPair({0.5});
  EXPECT_TRUE(stillOutside(once, t));
  EXPECT_FALSE(confirmed(once, t, 2)) << "one of two retests is not a confirmation";
  EXPECT_EQ(pairsToRetest({once}, t, 2), std::vector<size_t>{0});
  const model::MatrixRetest twice = retestedPair({0.5, 0.89});
  EXPECT_TRUE(confirmed(twice, t, 2));
  EXPECT_TRUE(pairsToRetest({twice}, t, 2).empty()) << "retested as often as asked";
}

TEST(MatrixRetests, NoRetestsLeavesTheFirstPassToDecide) {
  const MatrixTolerance t = retestThroughputTolerance();
  EXPECT_TRUE(confirmed(retestedPair({}), t, 0));
  EXPECT_TRUE(pairsToRetest({retestedPair({})}, t, 0).empty());
  EXPECT_FALSE(confirmed(retestedPair({}), t, 1)) << "asked for a retest that did not run: not confirmed";
}

TEST(MatrixRetests, ARetestWithoutAValueDoesNotClearThePair) {
  const MatrixTolerance t = retestThroughputTolerance();
  EXPECT_TRUE(confirmed(retestedPair({std::nullopt, 0.4}), t, 2));
}

TEST(MatrixRetests, OnlyStillFlaggedPairsRunInTheNextPass) {
  const MatrixTolerance t = retestThroughputTolerance();
  const std::vector<model::MatrixRetest> pairs = {retestedPair({0.5}), retestedPair({1.1}), retestedPair({0.7})};
  EXPECT_EQ(pairsToRetest(pairs, t, 3), (std::vector<size_t>{0, 2}));
}

TEST(MatrixRetests, ALatencyMatrixFlagsAndConfirmsSlowRoundTrips) {
  // Round trips: agent 2's pairs are slow: {10, 50, 10, 52, 10, 51}. The median, 30, is halfway
  // to the slow ones; the reference is the better middle value, 10.
  MatrixCells cells;
  const double v[4][4] = {{0, 10, 50, 10}, {10, 0, 52, 10}, {50, 52, 0, 51}, {10, 10, 51, 0}};
  for (int a = 0; a < 4; ++a) {
    for (int b = 0; b < 4; ++b) {
      if (a != b) cells.latency_us_p50[{a, b}] = v[a][b];
    }
  }
  const MatrixPairs pairs = pairValues(cells);
  ASSERT_EQ(pairs.metric, MatrixMetric::kLatency);
  ASSERT_EQ(pairs.pairs.size(), 6u);
  const MatrixTolerance t = toleranceOf(pairs, 0.9);
  EXPECT_DOUBLE_EQ(medianOf(pairs), 30);
  EXPECT_DOUBLE_EQ(t.reference, 10);
  const auto flagged = flaggedPairs(pairs, t);
  ASSERT_EQ(flagged.size(), 3u) << "above 10 / 0.9";
  EXPECT_EQ(flagged[0].a, 0);
  EXPECT_EQ(flagged[0].b, 2);
  EXPECT_TRUE(confirmed({0, 2, 50, {48, 49}}, t, 2));
  EXPECT_FALSE(confirmed({0, 2, 50, {48, 10.5}}, t, 2)) << "a fast round trip in a retest clears it";
}

TEST(MatrixRetests, OneBadHostOfFourLeavesAHealthyReference) {
  // Host 2 of 4 is in 3 of the 6 pairs, at 0.8 of the others: the plain median, 0.9, would put
  // the tolerance (0.81) at the bad pairs' level; the reference is a healthy pair.
  MatrixPairs pairs{MatrixMetric::kThroughput, {{0, 1, 1.0}, {0, 2, 0.8}, {0, 3, 1.0}, {1, 2, 0.8}, {1, 3, 1.0}, {2, 3, 0.8}}};
  EXPECT_DOUBLE_EQ(medianOf(pairs), 0.9);
  const MatrixTolerance t = toleranceOf(pairs, 0.9);
  EXPECT_DOUBLE_EQ(t.reference, 1.0);
  EXPECT_EQ(flaggedPairs(pairs, t).size(), 3u);
  EXPECT_DOUBLE_EQ(toleranceOf({MatrixMetric::kThroughput, {{0, 1, 1.0}, {0, 2, 0.5}, {1, 2, 0.7}}}, 0.9).reference, 0.7)
      << "an odd count: the median";
}

TEST(MatrixRetests, CellsSumParallelFlowsAndAPairIsItsWorseDirection) {
  const std::vector<patterns::FlowSpec> flows = {retestFlow(0, 0, 1), retestFlow(1, 0, 1), retestFlow(2, 1, 0)};
  std::vector<engine::SenderResult> senders(3);
  std::vector<engine::ReceiverResult> receivers(3);
  for (uint32_t i = 0; i < 3; ++i) {
    senders[i].flow_id = receivers[i].flow_id = i;
    senders[i].measured_ns = 1'000'000'000;
    receivers[i].measured_bytes = i == 2 ? 50'000'000 : 100'000'000;  // 0.8 Gbit/s per flow one way, 0.4 back
  }
  const MatrixCells cells = matrixCells(flows, senders, receivers, {});
  EXPECT_DOUBLE_EQ(cells.throughput_gbps.at({0, 1}), 1.6) << "two parallel flows";
  EXPECT_DOUBLE_EQ(cells.throughput_gbps.at({1, 0}), 0.4);
  EXPECT_DOUBLE_EQ(*pairValueIn(cells, MatrixMetric::kThroughput, 0, 1), 0.4);
  EXPECT_FALSE(pairValueIn(cells, MatrixMetric::kLatency, 0, 1).has_value());
  patterns::PatternPlan plan{flows};
  plan.flows.push_back(retestFlow(3, 2, 3));
  const auto round = pairRound(plan, 1, 0);
  ASSERT_EQ(round.flows.size(), 3u) << "both directions, every parallel flow, nothing else";
  EXPECT_EQ(round.flows[2].flow_id, 2u) << "the first pass's flow ids";
}

}  // namespace
}  // namespace fabcheck::plan
