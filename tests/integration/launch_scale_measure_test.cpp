// Measurements, not checks (issue 18; docs/launchers.md quotes them): launch→ready of N real
// agents started by one Slurm step (the single-node Slurm cluster of slurm_fixture.h) and by one
// mpirun, next to the local launcher on the same machine. Disabled by default; run by hand:
//
//   FABCHECK_LAUNCH_SCALE_N="8 32 64" build/tests/fabcheck_integration_tests
//       --gtest_also_run_disabled_tests --gtest_filter='LaunchScaleMeasure.*'   (one line)
//
// Each run starts the agents, waits until every one registered (Runner with no tests), stops
// them, and prints "launcher N launch_to_ready_s" (or why it failed). Only that every agent
// came is checked.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "harness/runner/runner.h"
#include "tests/integration/runner_helpers.h"
#include "tests/integration/slurm_fixture.h"

namespace fabcheck {
namespace {

std::vector<int> agentCounts() {
  const char* env = std::getenv("FABCHECK_LAUNCH_SCALE_N");
  std::istringstream in(env && *env ? env : "8 32 64");
  std::vector<int> out;
  for (int n; in >> n;) out.push_back(n);
  return out;
}

void measure(const std::string& launcher, const std::string& host, int n, std::map<std::string, std::string> options) {
  RunOptions o = testing::launcherRun(launcher, {launch::HostEntry{host, n, {}}}, std::move(options));
  o.agents = n;
  o.controller.register_timeout_ns = 300'000'000'000;
  try {
    const RunResult r = Runner(o).run({});
    EXPECT_EQ(r.agents.size(), static_cast<size_t>(n));
    std::printf("%-8s %5d %8.2f\n", launcher.c_str(), n, static_cast<double>(r.launch_to_ready_ns) / 1e9);
  } catch (const std::exception& e) {
    ADD_FAILURE() << launcher << " " << n << ": " << e.what();
    std::printf("%-8s %5d %8s  %s\n", launcher.c_str(), n, "-", e.what());
  }
  std::fflush(stdout);
}

TEST(LaunchScaleMeasure, DISABLED_OneSlurmStepOneMpirunAndLocal) {
  std::printf("launcher     N  ready_s\n");
  for (int n : agentCounts()) measure("local", "localhost", n, {});
  if (std::system("command -v mpirun >/dev/null 2>&1") == 0) {
    for (int n : agentCounts()) measure("mpirun", "localhost", n, {});
  }
  if (!testing::slurmUnavailableReason().empty()) GTEST_SKIP() << testing::slurmUnavailableReason();
  testing::SlurmCluster cluster;
  ASSERT_TRUE(cluster.ok()) << cluster.logs();
  for (int n : agentCounts()) {
    measure("slurm", cluster.node(), n,
            {{"slurm_mode", "allocate"}, {"slurm_per", "task"}, {"slurm_partition", testing::SlurmCluster::kPartition},
             {"slurm_time_limit", "10"}, {"srun_options", "--overcommit"}});
  }
}

}  // namespace
}  // namespace fabcheck
