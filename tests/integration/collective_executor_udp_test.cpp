// The collective executor over real UDP sockets on 127.0.0.1, four ranks in threads: flow
// control and go-back-N recovery make the collective complete with exactly the schedule's bytes,
// and whatever loss the kernel caused is counted consistently on both ends.
#include <gtest/gtest.h>

#include <iostream>
#include <map>

#include "generators/engine/collective_metrics.h"
#include "tests/unit/collective_mesh.h"

namespace fabcheck::engine {
namespace {

using patterns::CollectiveAlgorithm;
using patterns::CollectiveKind;
using patterns::CollectiveParams;
using patterns::CollectiveSchedule;

void expectConsistent(const CollectiveSchedule& s, const std::vector<CollectiveRankResult>& results) {
  const uint64_t runs = s.params().iterations + s.params().warmup_iterations;
  std::map<uint32_t, uint64_t> acked, accepted;
  uint64_t retrans = 0, gaps = 0, dups = 0;
  for (int r = 0; r < s.ranks(); ++r) {
    const auto& res = results[static_cast<size_t>(r)];
    ASSERT_EQ(res.error, "") << "rank " << r;
    EXPECT_EQ(res.bytes_sent, s.rank(r).bytesSent() * runs) << "rank " << r;
    EXPECT_EQ(res.bytes_received, s.rank(r).bytesReceived() * runs) << "rank " << r;
    EXPECT_EQ(res.iteration_ns.size(), s.params().iterations);
    EXPECT_EQ(res.corrupted_bytes, 0u);
    retrans += res.retransmissions;
    for (const auto& l : res.links) {
      (l.outgoing ? acked : accepted)[l.flow_id] += l.bytes;
      gaps += l.out_of_order;
      dups += l.duplicates;
    }
  }
  EXPECT_EQ(acked, accepted);  // what a sender saw acknowledged is what its receiver accepted
  // A hole or a duplicate at a receiver can only come from a segment its sender sent again.
  if (gaps > 0 || dups > 0) {
    EXPECT_GT(retrans, 0u) << gaps << " gaps, " << dups << " duplicates";
  }
  std::cout << "[ info ] retransmissions " << retrans << ", out-of-order " << gaps << ", duplicates " << dups << "\n";
}

CollectiveRunPlan planFor(const testing::CollectiveMesh& mesh) {
  CollectiveRunPlan plan;
  plan.message_bytes = 8192;
  plan.coalescing = mesh.transport->properties().supports_coalescing;
  plan.rto_ns = 20'000'000;
  plan.step_timeout_ns = 30'000'000'000;
  return plan;
}

TEST(CollectiveExecutorUdp, RingAllReduceCompletesOverLoopback) {
  CollectiveParams p;
  p.kind = CollectiveKind::kAllReduce;
  p.algorithm = CollectiveAlgorithm::kRing;
  p.size_bytes = 4 * 256 * 1024;
  p.iterations = 5;
  p.warmup_iterations = 1;
  p.payload_check = true;
  const CollectiveSchedule s(p, 4);
  auto mesh = testing::makeCollectiveMesh(s, "udp");
  const auto results = testing::runCollectiveMesh(s, mesh, planFor(mesh));
  expectConsistent(s, results);
  const auto m = deriveCollectiveMetrics(results);
  EXPECT_GT(m.busbw_gbytes_s, 0);
  EXPECT_TRUE(m.errors.empty());
}

TEST(CollectiveExecutorUdp, AllToAllRecoversFromSocketBufferOverflow) {
  CollectiveParams p;
  p.kind = CollectiveKind::kAllToAll;
  p.algorithm = CollectiveAlgorithm::kAllAtOnce;
  p.size_bytes = 4 * 512 * 1024;
  p.iterations = 3;
  p.warmup_iterations = 0;
  p.channels = 2;
  const CollectiveSchedule s(p, 4);
  transport::TransportOptions o;
  o.socket_buffer_bytes = 16 * 1024;  // far below the window: the kernel drops what does not fit
  auto mesh = testing::makeCollectiveMesh(s, "udp", o);
  auto plan = planFor(mesh);
  plan.window_bytes = 1 << 20;
  plan.rto_ns = 5'000'000;
  const auto results = testing::runCollectiveMesh(s, mesh, plan);
  expectConsistent(s, results);
}

}  // namespace
}  // namespace fabcheck::engine
