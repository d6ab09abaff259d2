// A slow link shows up as the named straggler: a ring all-reduce over an emulated fabric whose
// host h2 hangs off a 20 Mbit/s link (the others 1 Gbit/s). Every step waits for the chunk from
// the previous rank, so the whole ring runs at h2's pace, and fabcheck names rank 2 (h2) as the
// straggler and one of its links as the slowest.
#include <gtest/gtest.h>

#include "harness/fabric/fabric_manager.h"
#include "harness/launch/emulated_launcher.h"
#include "harness/results/test_summary.h"
#include "harness/slo/metric_registry.h"
#include "tests/integration/collective_test_helpers.h"
#include "tests/integration/fabric_fixture.h"
#include "tests/integration/runner_helpers.h"

namespace fabcheck {
namespace {

using testing::FabricGuard;
using testing::uniqueFabricName;

TEST(FabricCollective, AShapedDownLinkIsNamedTheStraggler) {
  FABCHECK_SKIP_WITHOUT_NAMESPACES();
  const std::string name = uniqueFabricName('c');
  FabricGuard guard(name);
  RunOptions o = testing::slowH2FabricRun(name);
  auto t = testing::collectiveTest("ring all-reduce", patterns::CollectiveKind::kAllReduce, patterns::CollectiveAlgorithm::kRing,
                                   512 << 10, {0, 1, 2, 3});
  t.collective->message_bytes = 1400;  // one packet on the fabric's 1500-byte MTU
  t.collective->window_bytes = 64 * 1400;
  RunResult r = Runner(o).run({t});
  ASSERT_EQ(r.tests.size(), 1u);
  ASSERT_NO_FATAL_FAILURE(testing::expectCollectiveComplete(r.tests[0]));
  const int slow = 2;  // agent i runs on host h<i>; rank i is agent i
  ASSERT_EQ(o.hosts.at(slow).name, "h2");
  const auto j = results::summarizeTest(r.tests[0], r.agents);
  const auto& size = j.at("collective").at("sizes").at(0);
  EXPECT_TRUE(size.at("straggler").get<bool>()) << size.dump();
  EXPECT_EQ(size.at("straggler_rank"), slow) << size.dump();
  EXPECT_EQ(size.at("slowest_rank"), slow) << size.dump();
  const int from = size.at("straggler_link_from"), to = size.at("straggler_link_to");
  EXPECT_TRUE(from == slow || to == slow) << "the slowest link is one of h2's: " << from << " -> " << to;
  // Into h2 the switch port's 20 Mbit/s holds (out of it the host shaper leaks, see fabric docs).
  for (const auto& l : size.at("links")) {
    if (l.at("to") == slow) {
      EXPECT_LT(l.at("gbit_s").get<double>(), 0.03) << l.dump();
    }
  }
  EXPECT_EQ(j.at("collective").at("straggler").at("rank"), slow);
  EXPECT_NE(j.at("collective").at("straggler").at("text").get<std::string>().find("rank 2 (agent 2"), std::string::npos);
  const auto flat = slo::flattenMetrics(j);
  EXPECT_EQ(flat.at("collective.stragglers"), 1);
  EXPECT_GE(flat.at("collective.straggler_links"), 1);
}

}  // namespace
}  // namespace fabcheck
