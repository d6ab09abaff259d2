// Collective kinds and algorithms, and the bus-bandwidth factor each kind owns (pure).
//
// A collective is described the way nccl-tests does: S is the buffer size in bytes
// (all-reduce, broadcast: the buffer; all-gather, reduce-scatter, all-to-all: per-rank count × n),
// algbw = S / t and busbw = algbw × busbwFactor(kind, n):
//   all-reduce 2(n−1)/n; reduce-scatter, all-gather, all-to-all (n−1)/n; broadcast 1.
//
// Algorithms (which kind each applies to):
//   ring                  all-reduce, reduce-scatter, all-gather, broadcast ("pipeline" is an alias
//                         for broadcast: a chain root → root+1 → ... pipelined in chunks)
//   tree                  all-reduce: double binary tree, reduce up + broadcast down, pipelined
//   rec_halving_doubling  all-reduce: Rabenseifner (recursive-halving reduce-scatter + recursive-
//                         doubling all-gather); non-power-of-two n folds the extra ranks (MPICH)
//   pairwise              all-to-all: n−1 steps, step k sends to rank+k and receives from rank−k
//   all_at_once           all-to-all: one step, every peer at once
#pragma once

#include <cstdint>
#include <string_view>

namespace fabcheck::patterns {

enum class CollectiveKind : uint8_t { kAllReduce, kReduceScatter, kAllGather, kAllToAll, kBroadcast };
enum class CollectiveAlgorithm : uint8_t { kRing, kTree, kRecHalvingDoubling, kPairwise, kAllAtOnce };

// "all_reduce", "reduce_scatter", "all_gather", "all_to_all", "broadcast".
std::string_view toString(CollectiveKind kind) noexcept;
// "ring", "tree", "rec_halving_doubling", "pairwise", "all_at_once".
std::string_view toString(CollectiveAlgorithm algorithm) noexcept;

// Accept the names above ('-' for '_' too); throw ConfigError
// "collective 'x' (from <where>): expected one of all_reduce, ...".
CollectiveKind parseCollectiveKind(std::string_view text, std::string_view where);
// "pipeline" parses as kRing. Throws ConfigError like parseCollectiveKind.
CollectiveAlgorithm parseCollectiveAlgorithm(std::string_view text, std::string_view where);

// The default algorithm of a kind: ring, except all-to-all (pairwise).
CollectiveAlgorithm defaultAlgorithm(CollectiveKind kind) noexcept;
// Whether `algorithm` implements `kind` (table above).
bool supports(CollectiveKind kind, CollectiveAlgorithm algorithm) noexcept;

// nccl-tests' bus-bandwidth factor for n ranks (n >= 1; n == 1 gives 0 for the (n−1) kinds).
double busbwFactor(CollectiveKind kind, int ranks) noexcept;

}  // namespace fabcheck::patterns
