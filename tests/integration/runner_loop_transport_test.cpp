// The in-process loop transport through the real runner: it joins identities of one agent
// process (local launcher, identities_per_process), and is refused, by name, between agents of
// different processes (whose listener numbers would reach another identity's listener, or none).
#include <gtest/gtest.h>

#include "harness/runner/runner.h"
#include "tests/integration/runner_helpers.h"

namespace fabcheck {
namespace {

model::TestSpec loopRing() {
  model::TestSpec t = testing::streamTest("loop ring", patterns::Placement::kRing, 8e6);
  t.transport = "loop";
  return t;
}

TEST(RunnerLoopTransport, IdentitiesOfOneProcessStreamOverLoop) {
  RunOptions o = testing::launcherRun("local", {launch::HostEntry{"localhost", 3, {}}}, {{"identities_per_process", "3"}});
  o.agents = 3;
  const RunResult r = Runner(o).run({loopRing()});
  ASSERT_EQ(r.tests.size(), 1u);
  testing::expectEveryFlowDelivered(r.tests[0], 3);
}

TEST(RunnerLoopTransport, AgentsOfDifferentProcessesAreRefusedNamingTwoOfThem) {
  const RunResult r = Runner(testing::localRun(3)).run({loopRing()});
  ASSERT_EQ(r.tests.size(), 1u);
  const std::string& error = r.tests[0].error;
  EXPECT_NE(error.find("test 'loop ring': transport loop works only between agents of one process; agent 0 ("),
            std::string::npos) << error;
  EXPECT_NE(error.find("identities_per_process"), std::string::npos) << error;
  EXPECT_TRUE(r.tests[0].senders.empty()) << "nothing was sent";
}

}  // namespace
}  // namespace fabcheck
