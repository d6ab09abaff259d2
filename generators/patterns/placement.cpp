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
// the others rotate; round r pairs position k with position m−1−k. Every pair meets exactly once.
std::vector<Links> matrixRounds(int n) {
  const int m = n % 2 == 0 ? n : n + 1;  // slot m−1 is the bye when n is odd
  std::vector<int> pos(static_cast<size_t>(m));
  std::iota(pos.begin(), pos.end(), 0);
  std::vector<Links> rounds;
  for (int r = 0; r < m - 1; ++r) {
    Links round;
    for (int k = 0; k < m / 2; ++k) {
      int a = pos[static_cast<size_t>(k)], b = pos[static_cast<size_t>(m - 1 - k)];
      if (a >= n || b >= n) continue;  // the bye
      round.emplace_back(std::min(a, b), std::max(a, b));
    }
    std::sort(round.begin(), round.end());
    rounds.push_back(std::move(round));
    std::rotate(pos.begin() + 1, pos.end() - 1, pos.end());  // keep pos[0], rotate the rest
  }
  return rounds;
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
      for (const auto& round : matrixRounds(n)) out.insert(out.end(), round.begin(), round.end());
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

std::vector<PatternPlan> placeRounds(const PatternParams& params, Placement placement,
                                               int agents, uint32_t seed) {
  if (placement != Placement::kMatrix) return {place(params, placement, agents, seed)};
  const PatternPlan all = place(params, placement, agents, seed);  // checks, numbers flows
  std::vector<PatternPlan> rounds;
  size_t next = 0;
  for (const auto& round : matrixRounds(agents)) {
    PatternPlan p;
    const size_t per_link = params.flows * (params.bidirectional ? 2u : 1u);
    for (size_t i = 0; i < round.size() * per_link; ++i) p.flows.push_back(all.flows.at(next++));
    rounds.push_back(std::move(p));
  }
  return rounds;
}

}  // namespace fabcheck::patterns
