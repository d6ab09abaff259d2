// Parameters of one collective test, and the nccl-tests style size sweep (pure).
//
// Sizes are bytes (generators cannot depend on the harness' unit parser; the suite loader
// converts "1MiB" first). S follows nccl-tests (collective_kind.h).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "generators/patterns/collective_kind.h"

namespace fabcheck::patterns {

struct CollectiveParams {
  CollectiveKind kind = CollectiveKind::kAllReduce;
  CollectiveAlgorithm algorithm = CollectiveAlgorithm::kRing;
  uint64_t size_bytes = 1 << 20;    // S of one run (a sweep makes one run per size)
  uint64_t iterations = 20;         // measured iterations
  uint64_t warmup_iterations = 5;   // iterations run first and not measured
  // Largest piece one transfer moves in one step. 0 = no limit: each algorithm moves its natural
  // piece (ring: S/n) in one round. Ring kinds run ceil(S / (n × chunk)) rounds of the whole
  // algorithm over slices, as NCCL loops; tree and broadcast pipeline ceil(piece / chunk) chunks.
  uint64_t chunk_bytes = 0;
  uint32_t channels = 1;            // parallel flows per neighbour pair (NCCL channels / QPs)
  uint32_t ranks_per_node = 1;      // informational for placement: ranks i*rpn.. share a node
  uint32_t root = 0;                // broadcast root rank
  bool payload_check = false;       // verify the payload pattern on receipt (off for speed)
};

void to_json(nlohmann::json& j, const CollectiveParams& p);
void from_json(const nlohmann::json& j, CollectiveParams& p);  // throws ProtocolError on bad input

// Checks the parameters for `ranks` ranks; throws ConfigError naming the value and what was
// expected, e.g. "collective all_to_all: algorithm 'tree' is not one of pairwise, all_at_once".
// Rejects ranks < 2, iterations 0, channels 0 or > 64, a root >= ranks, S 0 or
// (all-gather, reduce-scatter, all-to-all) S not a multiple of n.
void validate(const CollectiveParams& params, int ranks);

// S as run on `ranks` ranks: for the kinds that split S into n equal parts (all-gather,
// reduce-scatter, all-to-all) rounded down to a multiple of n, as nccl-tests rounds its count
// (a sweep of powers of two then runs on 3 or 6 ranks); other kinds, and an S below n, unchanged
// (validate() then names the problem).
uint64_t fitSizeToRanks(const CollectiveParams& params, int ranks) noexcept;

// Parses "min:max:factor" (nccl-tests -b/-e/-f; bytes, factor an integer >= 2) or a single
// size "N" into the sizes min, min×f, ... ≤ max. Throws ConfigError naming `where`, the text
// and what was expected (min ≥ 1, min ≤ max, factor ≥ 2).
std::vector<uint64_t> parseSizeSweep(std::string_view text, std::string_view where);

}  // namespace fabcheck::patterns
