#include "generators/patterns/placement.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <utility>
#include <vector>

#include "generators/core/errors.h"

namespace fabcheck::patterns {

std::string_view toString(Placement p) noexcept {
  switch (p) {
    case Placement::kPairs: return "pairs";
    case Placement::kRing: return "ring";
    case Placement::kPermutation: return "permutation";
    case Placement::kIncast: return "incast";
    case Placement::kMatrix: return "matrix";
  }
  return "?";
}

Placement parsePlacement(std::string_view text, std::string_view where) {
  for (auto p : {Placement::kPairs, Placement::kRing, Placement::kPermutation, Placement::kIncast, Placement::kMatrix}) {
    if (text == toString(p)) return p;
  }
  throw ConfigError(std::string(where) + " '" + std::string(text) +
                    "': expected one of pairs, ring, permutation, incast, matrix");
}

namespace {

using Links = std::vector<std::pair<int, int>>;

// Round-robin tournament (circle method): agent 0 (or a "bye" slot for odd n) stays put while
// the others rotate one step per round; round r pairs position k with position m−1−k. Every
// pair meets exactly once. Round r is computed directly: after r rotations, position k ≥ 1
// holds 1 + (k − 1 − r) mod (m − 1).
Links matrixRound(int n, int r) {
  const int m = n % 2 == 0 ? n : n + 1;  // slot m−1 is the bye when n is odd
  const auto at = [m, r](int k) { return k == 0 ? 0 : 1 + (((k - 1 - r) % (m - 1)) + (m - 1)) % (m - 1); };
  Links round;
  round.reserve(static_cast<size_t>(m / 2));
  for (int k = 0; k < m / 2; ++k) {
    const int a = at(k), b = at(m - 1 - k);
    if (a >= n || b >= n) continue;  // the bye
    round.emplace_back(std::min(a, b), std::max(a, b));
  }
  std::sort(round.begin(), round.end());
  return round;
}

// (sender, receiver) agent links of a single-round placement.
Links links(Placement placement, int n, uint32_t seed) {
  std::vector<std::pair<int, int>> out;
  switch (placement) {
    case Placement::kPairs:
      for (int i = 0; i + 1 < n; i += 2) out.emplace_back(i, i + 1);
      break;
    case Placement::kRing:
      for (int i = 0; i < n; ++i) out.emplace_back(i, (i + 1) % n);
      break;
    case Placement::kPermutation: {
      // A uniformly shuffled cycle through all agents is a derangement with no fixed point.
      std::vector<int> order(static_cast<size_t>(n));
      std::iota(order.begin(), order.end(), 0);
      std::mt19937 rng(seed);
      std::shuffle(order.begin(), order.end(), rng);
      for (int i = 0; i < n; ++i) out.emplace_back(order[static_cast<size_t>(i)], order[static_cast<size_t>((i + 1) % n)]);
      break;
    }
    case Placement::kIncast:
      for (int i = 1; i < n; ++i) out.emplace_back(i, 0);
      break;
    case Placement::kMatrix:
      for (int r = 0; r < matrixRoundCount(n); ++r) {
        const Links round = matrixRound(n, r);
        out.insert(out.end(), round.begin(), round.end());
      }
      break;
  }
  return out;
}

}  // namespace

PatternPlan place(const PatternParams& params, Placement placement, int agents, uint32_t seed) {
  if (agents < 2) {
    throw ConfigError("placement " + std::string(toString(placement)) + " needs at least 2 agents; the run has " +
                      std::to_string(agents));
  }
  PatternPlan plan;
  for (auto [from, to] : links(placement, agents, seed)) {
    patterns::addLink(plan, params, from, to);
    if (params.bidirectional) patterns::addLink(plan, params, to, from);
  }
  return plan;
}

int matrixRoundCount(int agents) noexcept { return agents < 2 ? 0 : (agents % 2 == 0 ? agents - 1 : agents); }

PatternPlan placeMatrixRound(const PatternParams& params, int agents, int round) {
  if (agents < 2) {
    throw ConfigError("placement matrix needs at least 2 agents; the run has " + std::to_string(agents));
  }
  if (round < 0 || round >= matrixRoundCount(agents)) {
    throw ConfigError("matrix round " + std::to_string(round) + " of " + std::to_string(agents) + " agents: there are " +
                      std::to_string(matrixRoundCount(agents)));
  }
  PatternPlan plan;
  for (auto [from, to] : matrixRound(agents, round)) {
    patterns::addLink(plan, params, from, to);
    if (params.bidirectional) patterns::addLink(plan, params, to, from);
  }
  // Every round has the same number of links (n/2, or (n−1)/2 beside the bye): the ids before
  // this round are round × its flow count.
  const auto first = static_cast<uint32_t>(static_cast<uint64_t>(round) * plan.flows.size());
  for (auto& f : plan.flows) f.flow_id += first;
  return plan;
}

std::vector<PatternPlan> placeRounds(const PatternParams& params, Placement placement,
                                               int agents, uint32_t seed) {
  if (placement != Placement::kMatrix) return {place(params, placement, agents, seed)};
  std::vector<PatternPlan> rounds;
  for (int r = 0; r < matrixRoundCount(agents); ++r) rounds.push_back(placeMatrixRound(params, agents, r));
  if (rounds.empty()) place(params, placement, agents, seed);  // its error
  return rounds;
}

}  // namespace fabcheck::patterns
