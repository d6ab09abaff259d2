// Placement: which agents a test's flows run between (pure, no I/O).
//
// The result is a PatternPlan whose FlowSpec sender/receiver are agent indexes
// (0..agents-1), so each agent runs its side with engine::FlowSet(me = its index).
//   pairs        (0→1), (2→3), ... ; an odd last agent sits out
//   ring         i → (i+1) mod n, every agent sends and receives once
//   permutation  a random derangement (seeded): every agent sends to one other, receives from one
//   incast       every agent but 0 → agent 0 (fan-in n−1), the microburst/incast shape
//   matrix       every unordered pair once (i → j, i < j), in rounds: each round is a matching
//                (the circle method), so an agent is in at most one link at a time and a latency
//                matrix is not disturbed by its own traffic; n−1 rounds (n even) or n (n odd)
// Each link carries params.flows parallel flows; rates are per link split over its flows. With
// params.bidirectional, every link also runs the other way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "generators/patterns/pattern.h"

namespace fabcheck::patterns {

enum class Placement : uint8_t { kPairs, kRing, kPermutation, kIncast, kMatrix };

std::string_view toString(Placement p) noexcept;
// Throws ConfigError "<where> 'x': expected one of pairs, ring, permutation, incast, matrix".
Placement parsePlacement(std::string_view text, std::string_view where);

// Throws ConfigError when the placement needs more agents than given ("placement ring needs at
// least 2 agents; the run has 1").
PatternPlan place(const PatternParams& params, Placement placement, int agents,
                            uint32_t seed = 1);

// The plan as rounds that run one after the other: one round for every placement but matrix.
// Flow ids are unique across all rounds (0..total−1 in order). Same errors as place().
std::vector<PatternPlan> placeRounds(const PatternParams& params, Placement placement,
                                               int agents, uint32_t seed = 1);

// A matrix's rounds one at a time, without building the others (a 4096-agent matrix has
// 4095 rounds and 8.4M flows): matrixRoundCount(n) is n−1 (n even) or n (n odd), 0 below 2;
// placeMatrixRound(params, n, r) is placeRounds(params, kMatrix, n)[r], the same flows with
// the same ids. ConfigError for fewer than 2 agents or r outside 0..count−1.
int matrixRoundCount(int agents) noexcept;
PatternPlan placeMatrixRound(const PatternParams& params, int agents, int round);

}  // namespace fabcheck::patterns
