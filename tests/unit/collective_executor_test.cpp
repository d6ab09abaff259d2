// The collective executor over the in-process loop transport, every rank in its own thread:
// every kind and algorithm completes with exactly the schedule's bytes; injected loss is
// recovered and counted; a slowed link is named as the straggler; waits are bounded.
#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
#include "generators/engine/collective_executor.h"
#include "generators/engine/collective_metrics.h"
#include "tests/unit/collective_mesh.h"

namespace fabcheck::engine {
namespace {

using patterns::CollectiveAlgorithm;
using patterns::CollectiveKind;
using patterns::CollectiveParams;
using patterns::CollectiveSchedule;

CollectiveParams params(CollectiveKind kind, CollectiveAlgorithm alg, uint64_t size, uint64_t iterations = 3) {
  CollectiveParams p;
  p.kind = kind;
  p.algorithm = alg;
  p.size_bytes = size;
  p.iterations = iterations;
  p.warmup_iterations = 1;
  return p;
}

CollectiveRunPlan basePlan() {
  CollectiveRunPlan plan;
  plan.message_bytes = 4096;
  plan.window_bytes = 64 * 1024;
  plan.step_timeout_ns = 30'000'000'000;
  plan.rto_ns = 200'000'000;  // the host may be loaded: keep spurious retransmissions rare
  return plan;
}

// Each rank moved exactly its schedule's bytes in every iteration, and nothing failed.
void expectExactBytes(const CollectiveSchedule& s, const std::vector<CollectiveRankResult>& results,
                      const std::string& what) {
  const uint64_t runs = s.params().iterations + s.params().warmup_iterations;
  for (int r = 0; r < s.ranks(); ++r) {
    const auto& res = results[static_cast<size_t>(r)];
    const auto rs = s.rank(r);
    EXPECT_EQ(res.error, "") << what;
    EXPECT_EQ(res.bytes_sent, rs.bytesSent() * runs) << what << " rank " << r;
    EXPECT_EQ(res.bytes_received, rs.bytesReceived() * runs) << what << " rank " << r;
    EXPECT_EQ(res.iterations, s.params().iterations) << what;
    EXPECT_EQ(res.iteration_ns.size(), s.params().iterations) << what;
    EXPECT_EQ(res.steps.size(), rs.steps()) << what;
  }
}

TEST(CollectiveExecutor, EveryKindAndAlgorithmCompletesOverLoop) {
  const std::vector<std::pair<CollectiveKind, CollectiveAlgorithm>> cases = {
      {CollectiveKind::kAllReduce, CollectiveAlgorithm::kRing},
      {CollectiveKind::kAllReduce, CollectiveAlgorithm::kTree},
      {CollectiveKind::kAllReduce, CollectiveAlgorithm::kRecHalvingDoubling},
      {CollectiveKind::kReduceScatter, CollectiveAlgorithm::kRing},
      {CollectiveKind::kAllGather, CollectiveAlgorithm::kRing},
      {CollectiveKind::kAllToAll, CollectiveAlgorithm::kPairwise},
      {CollectiveKind::kAllToAll, CollectiveAlgorithm::kAllAtOnce},
      {CollectiveKind::kBroadcast, CollectiveAlgorithm::kRing},
  };
  for (const auto& [kind, alg] : cases) {
    for (int n : {2, 3, 5, 8}) {
      auto p = params(kind, alg, static_cast<uint64_t>(n) * 10'000);
      p.chunk_bytes = kind == CollectiveKind::kBroadcast || alg == CollectiveAlgorithm::kTree ? 8192 : 0;
      p.channels = n == 3 ? 2 : 1;
      const CollectiveSchedule s(p, n);
      auto mesh = testing::makeCollectiveMesh(s, "loop");
      const auto results = testing::runCollectiveMesh(s, mesh, basePlan());
      const std::string what = std::string(patterns::toString(kind)) + "/" + std::string(patterns::toString(alg)) +
                               " n=" + std::to_string(n);
      expectExactBytes(s, results, what);
      // The loop transport neither loses nor reorders: a retransmission can only be spurious
      // (a late ack on a loaded host), and then it arrives as a duplicate, never as a gap.
      uint64_t retrans = 0, dups = 0;
      for (const auto& r : results) {
        retrans += r.retransmissions;
        for (const auto& l : r.links) {
          EXPECT_EQ(l.out_of_order, 0u) << what;
          dups += l.duplicates;
        }
      }
      EXPECT_LE(dups, retrans) << what;
      const CollectiveMetrics m = deriveCollectiveMetrics(results);
      EXPECT_GT(m.time_us, 0) << what;
      EXPECT_NEAR(m.busbw_gbytes_s, m.algbw_gbytes_s * patterns::busbwFactor(kind, n), 1e-9) << what;
    }
  }
}

TEST(CollectiveExecutor, PayloadCheckFindsNoCorruptionOnACleanPath) {
  auto p = params(CollectiveKind::kAllGather, CollectiveAlgorithm::kRing, 4 * 50'000);
  p.payload_check = true;
  const CollectiveSchedule s(p, 4);
  auto mesh = testing::makeCollectiveMesh(s, "loop");
  const auto results = testing::runCollectiveMesh(s, mesh, basePlan());
  expectExactBytes(s, results, "payload check");
  for (const auto& r : results) EXPECT_EQ(r.corrupted_bytes, 0u);
}

TEST(CollectiveExecutor, InjectedLossIsRecoveredAndCounted) {
  const CollectiveSchedule s(params(CollectiveKind::kAllReduce, CollectiveAlgorithm::kRing, 4 * 100'000), 4);
  transport::TransportOptions o;
  o.extra = {{"drop_every", "37"}, {"reorder_every", "11"}};
  auto mesh = testing::makeCollectiveMesh(s, "loop", o);
  auto plan = basePlan();
  plan.rto_ns = 5'000'000;
  const auto results = testing::runCollectiveMesh(s, mesh, plan);
  expectExactBytes(s, results, "lossy loop");
  uint64_t retrans = 0, recoveries = 0, gaps = 0;
  for (const auto& r : results) {
    retrans += r.retransmissions;
    for (const auto& l : r.links) {
      recoveries += l.timeouts + l.fast_retransmits;
      gaps += l.out_of_order + l.duplicates;
    }
  }
  EXPECT_GT(retrans, 0u);     // every 37th message is dropped: something had to be sent again
  EXPECT_GT(recoveries, 0u);  // ... triggered by a timer or duplicate acks
  EXPECT_GT(gaps, 0u);        // receivers saw the holes and the re-sent segments
}

TEST(CollectiveExecutor, ASlowedLinkIsNamedAsTheStraggler) {
  const CollectiveSchedule s(params(CollectiveKind::kAllReduce, CollectiveAlgorithm::kRing, 4 * 32 * 1024), 4);
  auto mesh = testing::makeCollectiveMesh(s, "loop");
  const auto results = testing::runCollectiveMesh(s, mesh, basePlan(), [](CollectiveRunPlan& plan) {
    if (plan.rank != 1) return;
    for (auto& l : plan.links) {
      if (l.outgoing && l.peer == 2) l.rate_bps = 20e6;  // link 1 → 2 paced down to 20 Mbit/s
    }
  });
  expectExactBytes(s, results, "slowed link");
  const CollectiveMetrics m = deriveCollectiveMetrics(results);
  EXPECT_TRUE(m.straggler) << nlohmann::json(m).dump();
  EXPECT_EQ(m.straggler_rank, 1) << nlohmann::json(m).dump();
  EXPECT_EQ(m.straggler_link_from, 1);
  EXPECT_EQ(m.straggler_link_to, 2);
  EXPECT_EQ(m.slowest_rank, 1);
  EXPECT_LT(m.straggler_link_gbit_s, 0.025);  // it ran at the paced rate, not faster
}

TEST(CollectiveExecutor, AbortEndsTheRunWhileWaiting) {
  const CollectiveSchedule s(params(CollectiveKind::kAllReduce, CollectiveAlgorithm::kRing, 4 * 1000), 4);
  auto mesh = testing::makeCollectiveMesh(s, "loop");
  std::atomic<bool> abort{false};
  auto plan = basePlan();
  plan.links = mesh.bindings[0];
  // Only rank 0 runs: its first step waits for rank 3 forever, until the abort.
  auto f = std::async(std::launch::async, [&] { return runCollectiveRank(s, plan, abort); });
  EXPECT_EQ(f.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  abort.store(true);
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const auto r = f.get();
  EXPECT_NE(r.error.find("collective rank 0: aborted in iteration 0 step 0"), std::string::npos) << r.error;
}

TEST(CollectiveExecutor, AStepThatCannotCompleteTimesOutNamingRankStepAndPeer) {
  const CollectiveSchedule s(params(CollectiveKind::kAllReduce, CollectiveAlgorithm::kRing, 4 * 1000), 4);
  auto mesh = testing::makeCollectiveMesh(s, "loop");
  std::atomic<bool> abort{false};
  auto plan = basePlan();
  plan.rank = 2;
  plan.links = mesh.bindings[2];
  plan.step_timeout_ns = 100'000'000;
  const auto r = runCollectiveRank(s, plan, abort);
  EXPECT_EQ(r.error,
            "collective rank 2: iteration 0 step 0 did not complete within 100 ms: still waiting for data from "
            "rank 1 channel 0 (0 of 1000 bytes this iteration)");
}

TEST(CollectiveExecutor, MissingConnectionIsAConfigError) {
  const CollectiveSchedule s(params(CollectiveKind::kAllReduce, CollectiveAlgorithm::kRing, 4 * 1000), 4);
  auto mesh = testing::makeCollectiveMesh(s, "loop");
  std::atomic<bool> abort{false};
  auto plan = basePlan();
  plan.rank = 1;
  plan.links = mesh.bindings[1];
  std::erase_if(plan.links, [](const CollectiveLinkBinding& b) { return b.outgoing; });  // the link to rank 2
  try {
    runCollectiveRank(s, plan, abort);
    FAIL() << "ran without a link";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("collective rank 1: no connection for sends to rank 2 channel 0"),
              std::string::npos)
        << e.what();
  }
}

TEST(CollectiveExecutor, ResultsRoundTripThroughJson) {
  CollectiveRankResult r;
  r.rank = 3;
  r.ranks = 8;
  r.kind = "all_reduce";
  r.algorithm = "ring";
  r.size_bytes = 1 << 20;
  r.iterations = 2;
  r.iteration_ns = {100, 200};
  r.steps = {{300, 200, 2}};
  CollectiveLinkStats l;
  l.peer = 4;
  l.retransmissions = 7;
  l.busy_ns = 99;
  r.links = {l};
  r.retransmissions = 7;
  r.error = "x";
  const nlohmann::json j = r;
  const auto back = j.get<CollectiveRankResult>();
  EXPECT_EQ(nlohmann::json(back), j);
  EXPECT_THROW(nlohmann::json({{"rank", 1}}).get<CollectiveRankResult>(), ProtocolError);
}

}  // namespace
}  // namespace fabcheck::engine
