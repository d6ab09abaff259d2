// Test support for collective runs: a collective TestSpec, and the checks every completed
// collective must pass (every rank reported, byte counts equal to the schedule's).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "generators/patterns/collective_schedule.h"
#include "harness/controller/controller.h"

namespace fabcheck::testing {

// A collective test of `kind`/`algorithm` at `size` on the given agents (rank r = agents[r]),
// 3 measured iterations after 1 warm-up; timeouts short enough for a test.
inline model::TestSpec collectiveTest(const std::string& name, patterns::CollectiveKind kind,
                                           patterns::CollectiveAlgorithm algorithm, uint64_t size, std::vector<int> agents) {
  model::TestSpec t;
  t.name = name;
  t.agents = std::move(agents);
  model::CollectiveSpec c;
  c.params.kind = kind;
  c.params.algorithm = algorithm;
  c.params.size_bytes = size;
  c.params.iterations = 3;
  c.params.warmup_iterations = 1;
  c.timeout_ns = 60'000'000'000;
  c.step_timeout_ns = 10'000'000'000;
  t.collective = c;
  return t;
}

// Every size of `t` ran on every rank without error, every measured iteration completed, and
// each rank moved exactly what its schedule defines, iterations × bytes (warm-up included).
inline void expectCollectiveComplete(const model::TestOutcome& t) {
  ASSERT_EQ(t.error, "") << t.name;
  ASSERT_TRUE(t.spec.collective.has_value());
  const auto& c = *t.spec.collective;
  const auto sizes = c.sweep();
  ASSERT_EQ(t.collective.rounds.size(), sizes.size()) << t.name;
  const int n = static_cast<int>(t.collective.rank_agents.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    const auto& round = t.collective.rounds[i];
    EXPECT_EQ(round.size_bytes, sizes[i]);
    ASSERT_EQ(round.ranks.size(), static_cast<size_t>(n)) << t.name;
    patterns::CollectiveParams p = c.params;
    p.size_bytes = sizes[i];
    const patterns::CollectiveSchedule schedule(p, n);
    const uint64_t runs = p.iterations + p.warmup_iterations;
    for (int r = 0; r < n; ++r) {
      const auto& x = round.ranks[static_cast<size_t>(r)];
      EXPECT_EQ(x.rank, r);
      EXPECT_EQ(x.error, "") << t.name << " rank " << r;
      EXPECT_EQ(x.iterations, p.iterations) << t.name << " rank " << r;
      EXPECT_EQ(x.iteration_ns.size(), p.iterations);
      const auto rs = schedule.rank(r);
      EXPECT_EQ(x.bytes_sent, runs * rs.bytesSent()) << t.name << " rank " << r << " size " << sizes[i];
      EXPECT_EQ(x.bytes_received, runs * rs.bytesReceived()) << t.name << " rank " << r << " size " << sizes[i];
      EXPECT_EQ(x.corrupted_bytes, 0u);
      EXPECT_EQ(x.steps.size(), rs.steps());
    }
  }
}

}  // namespace fabcheck::testing
