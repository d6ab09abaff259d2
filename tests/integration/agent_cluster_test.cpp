// fabcheck::AgentCluster: agents launched once and reused by several runs (the pytest session
// fixture), and runSuite() on such a cluster. Real agent processes on the local launcher.
#include "harness/runner/agent_cluster.h"

#include <gtest/gtest.h>

#include "generators/core/errors.h"
#include "harness/runner/suite_run.h"
#include "harness/suite/suite_loader.h"
#include "tests/integration/runner_helpers.h"

namespace fabcheck {
namespace {

using testing::localRun;
using testing::streamTest;

std::vector<int> pids(const std::vector<model::AgentInfo>& agents) {
  std::vector<int> p;
  for (const auto& a : agents) p.push_back(a.pid);
  return p;
}

TEST(AgentCluster, RunsSeveralTimesOnTheSameAgents) {
  AgentCluster cluster(localRun(2));
  EXPECT_THROW(cluster.runTests({}), ConfigError);  // not started yet
  cluster.start();
  ASSERT_TRUE(cluster.running());
  const auto first_pids = pids(cluster.agents());
  ASSERT_EQ(first_pids.size(), 2u);
  EXPECT_THROW(cluster.start(), ConfigError);  // already running
  for (int i = 0; i < 2; ++i) {
    RunResult r = cluster.runTests({streamTest("s" + std::to_string(i), patterns::Placement::kPairs, 10e6)});
    ASSERT_EQ(r.tests.size(), 1u);
    EXPECT_EQ(r.tests[0].error, "");
    EXPECT_EQ(pids(r.agents), first_pids) << "run " << i << " used other agents";
  }
  cluster.stop();
  EXPECT_FALSE(cluster.running());
  cluster.stop();  // idempotent
}

TEST(AgentCluster, RunSuiteReusesTheClusterAndGivesVerdicts) {
  const suite::Suite s = suite::parseSuite(
      "name: c\ndefaults: {duration: 200ms, rate: 10Mbit/s}\ntests:\n"
      "  - {name: a, pattern: stream, slos: ['loss_ratio == 0']}\n  - {name: b, pattern: stream}\n",
      "c.yaml");
  AgentCluster cluster(localRun(2));
  SuiteRunOptions opts;
  opts.only_tests = {"b"};
  const SuiteRunResult one = runSuite(s, opts, {}, nullptr, &cluster);  // starts the cluster
  ASSERT_TRUE(cluster.running());
  ASSERT_EQ(one.tests.size(), 1u);
  EXPECT_EQ(one.tests[0]["name"], "b");
  EXPECT_EQ(one.exit_code, 0) << one.run_error;
  opts.only_tests = {};
  const SuiteRunResult two = runSuite(s, opts, {}, nullptr, &cluster);
  ASSERT_EQ(two.tests.size(), 2u);
  EXPECT_EQ(two.tests[0]["verdict"], "pass");
  EXPECT_EQ(two.tests[0]["slos"][0]["verdict"], "pass");
  EXPECT_EQ(two.agents, one.agents) << "the same agents (ids, pids) served both runs";
  EXPECT_EQ(two.end["counts"]["pass"], 2);
}

}  // namespace
}  // namespace fabcheck
