#include "generators/patterns/placement.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <utility>
#include <vector>

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

// The construction before issue 18 (every round built by rotating the circle, the flows numbered
// over the whole matrix, then cut into rounds), kept here to compare with the direct one.
std::vector<PatternPlan> rotatedMatrixRounds(const PatternParams& params, int n) {
  const int m = n % 2 == 0 ? n : n + 1;
  std::vector<int> pos(static_cast<size_t>(m));
  std::iota(pos.begin(), pos.end(), 0);
  std::vector<std::vector<std::pair<int, int>>> links;
  for (int r = 0; r < m - 1; ++r) {
    std::vector<std::pair<int, int>> round;
    for (int k = 0; k < m / 2; ++k) {
      const int a = pos[static_cast<size_t>(k)], b = pos[static_cast<size_t>(m - 1 - k)];
      if (a < n && b < n) round.emplace_back(std::min(a, b), std::max(a, b));
    }
    std::sort(round.begin(), round.end());
    links.push_back(round);
    std::rotate(pos.begin() + 1, pos.end() - 1, pos.end());
  }
  PatternPlan all;
  for (const auto& round : links) {
    for (auto [a, b] : round) {
      addLink(all, params, a, b);
      if (params.bidirectional) addLink(all, params, b, a);
    }
  }
  std::vector<PatternPlan> rounds;
  size_t next = 0;
  for (const auto& round : links) {
    PatternPlan p;
    const size_t per_link = params.flows * (params.bidirectional ? 2u : 1u);
    for (size_t i = 0; i < round.size() * per_link; ++i) p.flows.push_back(all.flows.at(next++));
    rounds.push_back(std::move(p));
  }
  return rounds;
}

bool sameFlow(const FlowSpec& x, const FlowSpec& y) {
  return x.flow_id == y.flow_id && x.sender == y.sender && x.receiver == y.receiver && x.role == y.role &&
         x.rate_bps == y.rate_bps && x.rate_pps == y.rate_pps;
}

// Issue 18: a round is computed directly, and it is exactly the round the rotation built.
TEST(Placement, MatrixRoundsComputedDirectlyAreTheRotatedOnes) {
  for (int n = 2; n <= 9; ++n) {
    for (const bool bidir : {false, true}) {
      PatternParams p;
      p.kind = PatternKind::kStream;
      p.flows = bidir ? 2 : 1;
      p.rate_bps = 4e9;
      p.bidirectional = bidir;
      const std::vector<PatternPlan> want = rotatedMatrixRounds(p, n);
      const std::vector<PatternPlan> got = placeRounds(p, Placement::kMatrix, n);
      ASSERT_EQ(matrixRoundCount(n), static_cast<int>(want.size())) << n;
      ASSERT_EQ(got.size(), want.size()) << n;
      PatternPlan flat;
      for (size_t r = 0; r < want.size(); ++r) {
        const PatternPlan one = placeMatrixRound(p, n, static_cast<int>(r));
        ASSERT_EQ(one.flows.size(), want[r].flows.size()) << "n " << n << " round " << r;
        ASSERT_EQ(got[r].flows.size(), want[r].flows.size()) << "n " << n << " round " << r;
        for (size_t i = 0; i < want[r].flows.size(); ++i) {
          EXPECT_TRUE(sameFlow(one.flows[i], want[r].flows[i])) << "n " << n << " round " << r << " flow " << i;
          EXPECT_TRUE(sameFlow(got[r].flows[i], want[r].flows[i])) << "n " << n << " round " << r << " flow " << i;
          flat.flows.push_back(want[r].flows[i]);
        }
      }
      const PatternPlan placed = place(p, Placement::kMatrix, n);
      ASSERT_EQ(placed.flows.size(), flat.flows.size()) << n;
      for (size_t i = 0; i < flat.flows.size(); ++i) EXPECT_TRUE(sameFlow(placed.flows[i], flat.flows[i])) << n << " " << i;
    }
  }
  EXPECT_EQ(matrixRoundCount(1), 0);
  EXPECT_THROW(placeMatrixRound(pingpong(), 1, 0), ConfigError);
  EXPECT_THROW(placeMatrixRound(pingpong(), 4, 3), ConfigError);
  EXPECT_THROW(placeRounds(pingpong(), Placement::kMatrix, 1), ConfigError);
}

TEST(Placement, SingleRoundPlacementsAreOneRound) {
  EXPECT_EQ(placeRounds(pingpong(), Placement::kRing, 4).size(), 1u);
}

}  // namespace
}  // namespace fabcheck::patterns
