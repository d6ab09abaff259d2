// Collective schedules: byte counts per rank and per step equal each algorithm's definition,
// every receive is matched by a send in order, and the schedule completes when simulated as a
// dependency graph (no deadlock).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>

#include "generators/core/errors.h"
#include "generators/patterns/collective_schedule.h"

namespace fabcheck::patterns {
namespace {

using Flow = std::tuple<uint32_t, uint32_t, uint32_t>;  // sender, receiver, channel
using Seq = std::vector<std::pair<uint64_t, uint64_t>>;  // (bytes, offset) in order

CollectiveParams params(CollectiveKind kind, CollectiveAlgorithm alg, uint64_t size, uint32_t channels = 1,
                        uint64_t chunk = 0) {
  CollectiveParams p;
  p.kind = kind;
  p.algorithm = alg;
  p.size_bytes = size;
  p.channels = channels;
  p.chunk_bytes = chunk;
  return p;
}

// Runs every rank's steps with unbounded buffering: a rank posts its step's sends, then waits
// until every receive of the step has arrived. Returns "" when all ranks finish and each flow's
// sends equal (bytes, offset by offset) the receives expected from it; else what went wrong.
std::string simulate(const CollectiveSchedule& s) {
  const int n = s.ranks();
  std::vector<RankSchedule> rs;
  for (int r = 0; r < n; ++r) rs.push_back(s.rank(r));
  std::map<Flow, Seq> sent, expected;
  std::map<Flow, uint64_t> delivered, consumed;
  for (int r = 0; r < n; ++r) {
    for (size_t st = 0; st < rs[r].steps(); ++st) {
      for (const auto& t : rs[r].recvs(st)) {
        expected[{t.peer, static_cast<uint32_t>(r), t.channel}].push_back({t.bytes, t.offset});
      }
    }
  }
  std::vector<size_t> step(n, 0);
  std::vector<bool> posted(n, false);
  for (bool progress = true; progress;) {
    progress = false;
    for (int r = 0; r < n; ++r) {
      while (step[r] < rs[r].steps()) {
        if (!posted[r]) {
          for (const auto& t : rs[r].sends(step[r])) {
            const Flow f{static_cast<uint32_t>(r), t.peer, t.channel};
            sent[f].push_back({t.bytes, t.offset});
            delivered[f] += t.bytes;
          }
          posted[r] = true;
        }
        std::map<Flow, uint64_t> need;
        for (const auto& t : rs[r].recvs(step[r])) need[{t.peer, static_cast<uint32_t>(r), t.channel}] += t.bytes;
        bool ready = true;
        for (const auto& [f, b] : need) ready = ready && delivered[f] >= consumed[f] + b;
        if (!ready) break;
        for (const auto& [f, b] : need) consumed[f] += b;
        ++step[r];
        posted[r] = false;
        progress = true;
      }
    }
  }
  for (int r = 0; r < n; ++r) {
    if (step[r] != rs[r].steps()) {
      return "deadlock: rank " + std::to_string(r) + " stuck at step " + std::to_string(step[r]) + " of " +
             std::to_string(rs[r].steps());
    }
  }
  if (sent != expected) return "sends and receives differ";
  std::set<Flow> used;
  for (const auto& [f, seq] : sent) used.insert(f);
  std::set<Flow> listed;
  for (const auto& f : s.flows()) listed.insert({f.sender, f.receiver, f.channel});
  if (used != listed) return "flows() differs from the flows the sends use";
  return "";
}

struct Case {
  CollectiveKind kind;
  CollectiveAlgorithm alg;
};
const std::vector<Case> kAll = {
    {CollectiveKind::kAllReduce, CollectiveAlgorithm::kRing},
    {CollectiveKind::kAllReduce, CollectiveAlgorithm::kTree},
    {CollectiveKind::kAllReduce, CollectiveAlgorithm::kRecHalvingDoubling},
    {CollectiveKind::kReduceScatter, CollectiveAlgorithm::kRing},
    {CollectiveKind::kAllGather, CollectiveAlgorithm::kRing},
    {CollectiveKind::kAllToAll, CollectiveAlgorithm::kPairwise},
    {CollectiveKind::kAllToAll, CollectiveAlgorithm::kAllAtOnce},
    {CollectiveKind::kBroadcast, CollectiveAlgorithm::kRing},
};

TEST(CollectiveSchedule, EveryAlgorithmCompletesAndMatchesForManyRankCounts) {
  for (const auto& c : kAll) {
    for (int n = 2; n <= 17; ++n) {
      for (uint32_t channels : {1u, 3u}) {
        for (uint64_t chunk : {uint64_t{0}, uint64_t{7}}) {
          const uint64_t size = static_cast<uint64_t>(n) * 40;
          const CollectiveSchedule s(params(c.kind, c.alg, size, channels, chunk), n);
          EXPECT_EQ(simulate(s), "") << toString(c.kind) << "/" << toString(c.alg) << " n=" << n
                                     << " channels=" << channels << " chunk=" << chunk;
        }
      }
    }
  }
}

TEST(CollectiveSchedule, UnevenSizesStillMatch) {
  for (const auto& c : kAll) {
    if (c.kind == CollectiveKind::kAllToAll || c.kind == CollectiveKind::kAllGather ||
        c.kind == CollectiveKind::kReduceScatter) {
      continue;  // S must be a multiple of n there
    }
    for (int n : {3, 5, 6, 7}) {
      const CollectiveSchedule s(params(c.kind, c.alg, 1001, 2), n);
      EXPECT_EQ(simulate(s), "") << toString(c.kind) << "/" << toString(c.alg) << " n=" << n;
    }
  }
}

TEST(CollectiveSchedule, RingAllReduceSendsTwoNMinusOneOverNOfSPerRank) {
  for (int n = 2; n <= 16; ++n) {
    const uint64_t S = static_cast<uint64_t>(n) * 1024;
    const CollectiveSchedule s(params(CollectiveKind::kAllReduce, CollectiveAlgorithm::kRing, S), n);
    for (int r = 0; r < n; ++r) {
      const RankSchedule rs = s.rank(r);
      ASSERT_EQ(rs.steps(), static_cast<size_t>(2 * (n - 1)));
      EXPECT_EQ(rs.bytesSent(), 2 * (S / n) * (n - 1));
      EXPECT_EQ(rs.bytesReceived(), 2 * (S / n) * (n - 1));
      for (size_t st = 0; st < rs.steps(); ++st) {
        ASSERT_EQ(rs.sends(st).size(), 1u);
        EXPECT_EQ(rs.sends(st)[0].peer, static_cast<uint32_t>((r + 1) % n));
        EXPECT_EQ(rs.sends(st)[0].bytes, S / n);
        ASSERT_EQ(rs.recvs(st).size(), 1u);
        EXPECT_EQ(rs.recvs(st)[0].peer, static_cast<uint32_t>((r + n - 1) % n));
      }
    }
  }
}

TEST(CollectiveSchedule, ChunkingRunsRoundsWithTheSameTotals) {
  const int n = 4;
  const uint64_t S = 4096;
  const CollectiveSchedule s(params(CollectiveKind::kAllReduce, CollectiveAlgorithm::kRing, S, 1, 256), n);
  const RankSchedule rs = s.rank(1);
  EXPECT_EQ(rs.steps(), 4u * 2 * (n - 1));  // S / (n × chunk) = 4 rounds
  EXPECT_EQ(rs.bytesSent(), 2 * (S / n) * (n - 1));
  for (size_t st = 0; st < rs.steps(); ++st) EXPECT_EQ(rs.sends(st)[0].bytes, 256u);
}

TEST(CollectiveSchedule, ChannelsSplitEveryTransfer) {
  const CollectiveSchedule s(params(CollectiveKind::kAllGather, CollectiveAlgorithm::kRing, 4 * 300, 4), 4);
  const RankSchedule rs = s.rank(0);
  for (size_t st = 0; st < rs.steps(); ++st) {
    ASSERT_EQ(rs.sends(st).size(), 4u);
    for (uint32_t c = 0; c < 4; ++c) {
      EXPECT_EQ(rs.sends(st)[c].channel, c);
      EXPECT_EQ(rs.sends(st)[c].bytes, 75u);
    }
  }
  EXPECT_EQ(s.flows().size(), 4u * 4);
}

TEST(CollectiveSchedule, AllGatherReduceScatterAllToAllSendNMinusOneOverN) {
  for (int n = 2; n <= 16; ++n) {
    const uint64_t S = static_cast<uint64_t>(n) * 512;
    for (const auto& c : {Case{CollectiveKind::kAllGather, CollectiveAlgorithm::kRing},
                          Case{CollectiveKind::kReduceScatter, CollectiveAlgorithm::kRing},
                          Case{CollectiveKind::kAllToAll, CollectiveAlgorithm::kPairwise},
                          Case{CollectiveKind::kAllToAll, CollectiveAlgorithm::kAllAtOnce}}) {
      const CollectiveSchedule s(params(c.kind, c.alg, S), n);
      for (int r = 0; r < n; ++r) {
        const RankSchedule rs = s.rank(r);
        EXPECT_EQ(rs.bytesSent(), S / n * (n - 1)) << toString(c.kind) << " n=" << n;
        EXPECT_EQ(rs.bytesReceived(), S / n * (n - 1)) << toString(c.kind) << " n=" << n;
        const size_t steps = c.alg == CollectiveAlgorithm::kAllAtOnce ? 1u : static_cast<size_t>(n - 1);
        EXPECT_EQ(rs.steps(), steps);
      }
    }
  }
}

TEST(CollectiveSchedule, PairwiseAllToAllVisitsEveryPeerOnce) {
  const int n = 7;
  const CollectiveSchedule s(params(CollectiveKind::kAllToAll, CollectiveAlgorithm::kPairwise, 7 * 70), n);
  for (int r = 0; r < n; ++r) {
    std::set<uint32_t> to, from;
    const RankSchedule rs = s.rank(r);
    for (size_t st = 0; st < rs.steps(); ++st) {
      to.insert(rs.sends(st)[0].peer);
      from.insert(rs.recvs(st)[0].peer);
    }
    EXPECT_EQ(to.size(), static_cast<size_t>(n - 1));
    EXPECT_EQ(from.size(), static_cast<size_t>(n - 1));
    EXPECT_FALSE(to.count(static_cast<uint32_t>(r)));
  }
}

TEST(CollectiveSchedule, BroadcastForwardsSAlongTheChainFromTheRoot) {
  const int n = 5;
  auto p = params(CollectiveKind::kBroadcast, CollectiveAlgorithm::kRing, 1000, 1, 100);
  p.root = 2;
  const CollectiveSchedule s(p, n);
  for (int r = 0; r < n; ++r) {
    const RankSchedule rs = s.rank(r);
    const bool last = r == 1;  // root 2 → 3 → 4 → 0 → 1
    EXPECT_EQ(rs.bytesSent(), last ? 0u : 1000u) << r;
    EXPECT_EQ(rs.bytesReceived(), r == 2 ? 0u : 1000u) << r;
  }
  EXPECT_EQ(s.rank(3).steps(), 11u);  // 10 chunks pipelined: receive chunk t, forward chunk t−1
}

TEST(CollectiveSchedule, DoubleBinaryTreesAreSpanningTreesWithComplementaryLeaves) {
  for (int n = 2; n <= 64; ++n) {
    int both_leaves = 0;
    for (int tree = 0; tree < 2; ++tree) {
      int roots = 0;
      for (int r = 0; r < n; ++r) {
        const TreeLinks l = treeLinks(n, r, tree);
        if (l.parent < 0) ++roots;
        else {
          const TreeLinks pl = treeLinks(n, l.parent, tree);
          EXPECT_TRUE(pl.children[0] == r || pl.children[1] == r) << "n=" << n << " tree " << tree << " rank " << r;
        }
      }
      EXPECT_EQ(roots, 1) << "n=" << n;
    }
    for (int r = 0; r < n; ++r) {
      const TreeLinks a = treeLinks(n, r, 0), b = treeLinks(n, r, 1);
      if (a.children[0] < 0 && a.children[1] < 0 && b.children[0] < 0 && b.children[1] < 0) ++both_leaves;
    }
    EXPECT_LE(both_leaves, n % 2 == 0 ? 0 : 1) << "n=" << n;
  }
}

TEST(CollectiveSchedule, TreeAllReduceMovesEachHalfUpAndDownEveryEdge) {
  for (int n = 2; n <= 20; ++n) {
    const uint64_t S = 4000;
    const CollectiveSchedule s(params(CollectiveKind::kAllReduce, CollectiveAlgorithm::kTree, S, 1, 500), n);
    uint64_t total = 0;
    for (int r = 0; r < n; ++r) {
      uint64_t want = 0;
      for (int tree = 0; tree < 2; ++tree) {
        const TreeLinks l = treeLinks(n, r, tree);
        const int kids = (l.children[0] >= 0) + (l.children[1] >= 0);
        want += S / 2 * ((l.parent >= 0 ? 1 : 0) + kids);
      }
      const uint64_t got = s.rank(r).bytesSent();
      EXPECT_EQ(got, want) << "n=" << n << " rank " << r;
      total += got;
    }
    EXPECT_EQ(total, 2 * static_cast<uint64_t>(n - 1) * S);  // 2(n−1)/n × S per rank on average
  }
}

TEST(CollectiveSchedule, RecursiveHalvingDoublingFoldsExtraRanks) {
  for (int n = 2; n <= 33; ++n) {
    int p2 = 1;
    while (p2 * 2 <= n) p2 *= 2;
    const int rem = n - p2;
    const uint64_t S = 64 * 1024;
    const CollectiveSchedule s(params(CollectiveKind::kAllReduce, CollectiveAlgorithm::kRecHalvingDoubling, S), n);
    uint64_t total = 0;
    for (int r = 0; r < n; ++r) {
      const uint64_t got = s.rank(r).bytesSent();
      total += got;
      if (r < 2 * rem && r % 2 == 0) {
        EXPECT_EQ(got, S) << "n=" << n << " folded rank " << r;
      } else if (rem == 0) {
        EXPECT_EQ(got, 2 * (S / p2) * (p2 - 1)) << "n=" << n << " rank " << r;
      }
    }
    EXPECT_EQ(total, static_cast<uint64_t>(p2) * 2 * (S / p2) * (p2 - 1) + 2 * static_cast<uint64_t>(rem) * S)
        << "n=" << n;
  }
}

TEST(CollectiveSchedule, AllToAllFlowsAreEveryOrderedPair) {
  const CollectiveSchedule s(params(CollectiveKind::kAllToAll, CollectiveAlgorithm::kAllAtOnce, 64 * 8, 2), 64);
  const auto flows = s.flows();
  EXPECT_EQ(flows.size(), 64u * 63 * 2);
  EXPECT_TRUE(std::is_sorted(flows.begin(), flows.end()));
  EXPECT_EQ(flowIndex(flows, {3, 5, 1}), static_cast<int64_t>((3 * 63 + 4) * 2 + 1));
  EXPECT_EQ(flowIndex(flows, {3, 3, 0}), -1);
}

TEST(CollectiveSchedule, ThousandRankAllToAllPlanIsCompact) {
  const int n = 1024;
  const CollectiveSchedule s(params(CollectiveKind::kAllToAll, CollectiveAlgorithm::kPairwise, 1024ull * 1024), n);
  const auto flows = s.flows();
  EXPECT_EQ(flows.size(), 1024u * 1023);
  EXPECT_LE(flows.capacity() * sizeof(CollectiveFlow), 64u << 20);
  const RankSchedule rs = s.rank(1000);
  EXPECT_EQ(rs.steps(), 1023u);
  EXPECT_EQ(rs.bytesSent(), 1024u * 1023);
}

TEST(CollectiveSchedule, RejectsBadRanks) {
  const CollectiveSchedule s(params(CollectiveKind::kAllReduce, CollectiveAlgorithm::kRing, 100), 4);
  EXPECT_THROW(s.rank(4), ConfigError);
  EXPECT_THROW(CollectiveSchedule(params(CollectiveKind::kAllReduce, CollectiveAlgorithm::kRing, 100), 1), ConfigError);
}

}  // namespace
}  // namespace fabcheck::patterns
