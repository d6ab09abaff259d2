#include "generators/patterns/placement.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <utility>

#include "generators/core/errors.h"

namespace fabcheck::patterns {
namespace {

PatternParams pingpong() {
  PatternParams p;
  p.kind = patterns::PatternKind::kPingpong;
  p.iterations = 10;
  return p;
}

std::set<std::pair<int, int>> linksOf(const PatternPlan& plan) {
  std::set<std::pair<int, int>> s;
  for (const auto& f : plan.flows) s.emplace(f.sender, f.receiver);
  return s;
}

TEST(Placement, NamesRoundTripAndUnknownNamesListTheChoices) {
  for (auto p : {Placement::kPairs, Placement::kRing, Placement::kPermutation, Placement::kIncast, Placement::kMatrix}) {
    EXPECT_EQ(parsePlacement(toString(p), "x"), p);
  }
  try {
    parsePlacement("mesh", "suite.yaml:3:14");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "suite.yaml:3:14 'mesh': expected one of pairs, ring, permutation, incast, matrix");
  }
}

TEST(Placement, RingPairsAndIncastShapes) {
  EXPECT_EQ(linksOf(place(pingpong(), Placement::kRing, 3)), (std::set<std::pair<int, int>>{{0, 1}, {1, 2}, {2, 0}}));
  EXPECT_EQ(linksOf(place(pingpong(), Placement::kPairs, 5)), (std::set<std::pair<int, int>>{{0, 1}, {2, 3}}));
  EXPECT_EQ(linksOf(place(pingpong(), Placement::kIncast, 4)), (std::set<std::pair<int, int>>{{1, 0}, {2, 0}, {3, 0}}));
  EXPECT_THROW(place(pingpong(), Placement::kRing, 1), ConfigError);
}

TEST(Placement, PermutationIsADerangementCoveringEveryAgent) {
  for (uint32_t seed = 1; seed < 20; ++seed) {
    std::set<int> senders, receivers;
    for (auto [s, r] : linksOf(place(pingpong(), Placement::kPermutation, 7, seed))) {
      EXPECT_NE(s, r);
      senders.insert(s);
      receivers.insert(r);
    }
    EXPECT_EQ(senders.size(), 7u);
    EXPECT_EQ(receivers.size(), 7u);
  }
}

class MatrixRounds : public ::testing::TestWithParam<int> {};

TEST_P(MatrixRounds, EveryPairMeetsOnceAndNoAgentIsInTwoLinksOfARound) {
  const int n = GetParam();
  const auto rounds = placeRounds(pingpong(), Placement::kMatrix, n);
  EXPECT_EQ(static_cast<int>(rounds.size()), n % 2 == 0 ? n - 1 : n);
  std::map<std::pair<int, int>, int> met;
  uint32_t next_id = 0;
  for (const auto& round : rounds) {
    std::set<int> busy;
    for (const auto& f : round.flows) {
      EXPECT_EQ(f.flow_id, next_id++);  // unique across rounds, in order
      EXPECT_LT(f.sender, f.receiver);
      EXPECT_TRUE(busy.insert(f.sender).second) << "agent " << f.sender << " twice in a round";
      EXPECT_TRUE(busy.insert(f.receiver).second) << "agent " << f.receiver << " twice in a round";
      ++met[{f.sender, f.receiver}];
    }
  }
  EXPECT_EQ(static_cast<int>(met.size()), n * (n - 1) / 2);
  for (const auto& [pair, times] : met) EXPECT_EQ(times, 1) << pair.first << "-" << pair.second;
}

INSTANTIATE_TEST_SUITE_P(Sizes, MatrixRounds, ::testing::Values(2, 3, 4, 5, 8, 9));

TEST(Placement, MatrixBidirectionalRoundsCarryBothDirectionsAndAllFlows) {
  auto p = pingpong();
  p.flows = 2;
  p.bidirectional = true;
  const auto rounds = placeRounds(p, Placement::kMatrix, 4);
  size_t total = 0;
  for (const auto& r : rounds) {
    EXPECT_EQ(r.flows.size(), 2u * 2u * 2u);  // 2 links × 2 flows × 2 directions
    total += r.flows.size();
  }
  EXPECT_EQ(total, place(p, Placement::kMatrix, 4).flows.size());
}

TEST(Placement, SingleRoundPlacementsAreOneRound) {
  EXPECT_EQ(placeRounds(pingpong(), Placement::kRing, 4).size(), 1u);
}

}  // namespace
}  // namespace fabcheck::patterns
