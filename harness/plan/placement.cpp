#include "harness/plan/placement.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <utility>
#include <vector>

#include "generators/core/errors.h"

namespace fabcheck::plan {

std::string_view toString(Placement p) noexcept {
  switch (p) {
    case Placement::kPairs: return "pairs";
    case Placement::kRing: return "ring";
    case Placement::kPermutation: return "permutation";
    case Placement::kIncast: return "incast";
  }
  return "?";
}

Placement parsePlacement(std::string_view text, std::string_view where) {
  for (auto p : {Placement::kPairs, Placement::kRing, Placement::kPermutation, Placement::kIncast}) {
    if (text == toString(p)) return p;
  }
  throw ConfigError(std::string(where) + " '" + std::string(text) +
                    "': expected one of pairs, ring, permutation, incast");
}

namespace {

// (sender, receiver) agent links of a placement.
std::vector<std::pair<int, int>> links(Placement placement, int n, uint32_t seed) {
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
  }
  return out;
}

}  // namespace

patterns::PatternPlan place(const patterns::PatternParams& params, Placement placement, int agents, uint32_t seed) {
  if (agents < 2) {
    throw ConfigError("placement " + std::string(toString(placement)) + " needs at least 2 agents; the run has " +
                      std::to_string(agents));
  }
  patterns::PatternPlan plan;
  for (auto [from, to] : links(placement, agents, seed)) {
    patterns::addLink(plan, params, from, to);
    if (params.bidirectional) patterns::addLink(plan, params, to, from);
  }
  return plan;
}

}  // namespace fabcheck::plan
