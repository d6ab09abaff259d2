// A step of the controller's own CLOCK_REALTIME during a run (issue 19, "a clock jump"): the
// controller sets start instants on its own timescale (controller/controller_clock.h), which
// never steps, so NTP or PTP stepping the controller's host between tests moves no agent's start.
// Stepping this machine's clock would disturb everything else on it, so the step is made in
// this process only (stepRealtimeForTesting shifts its wallNowNs()): the controller runs here, in
// an AgentCluster, and its agents are separate processes whose clocks do not move.
#include <gtest/gtest.h>

#include <time.h>

#include <cstdint>
#include <string>

#include "generators/core/clock.h"
#include "harness/runner/agent_cluster.h"
#include "tests/integration/runner_helpers.h"

namespace fabcheck {
namespace {

using testing::localRun;
using testing::streamTest;

// This process's wallNowNs() steps by `step_ns` from now until the guard goes.
struct ControllerRealtimeStep {
  explicit ControllerRealtimeStep(int64_t step_ns) { stepRealtimeForTesting(monoNowNs(), step_ns); }
  ~ControllerRealtimeStep() { stepRealtimeForTesting(0, 0); }  // at 0: never, as in production
  ControllerRealtimeStep(const ControllerRealtimeStep&) = delete;
  ControllerRealtimeStep& operator=(const ControllerRealtimeStep&) = delete;
};

// A step back made every agent hear its start instant 2 s late (the late-start error of each
// sender); a step forward made every agent wait 30 s for it, beyond the run's 5 s step timeout.
TEST(ControllerClockStep, AStepOfTheControllersClockMovesNoAgentsStart) {
  AgentCluster cluster(localRun(2));
  cluster.start();
  for (const int64_t step_ns : {int64_t{-2'000'000'000}, int64_t{30'000'000'000}}) {
    SCOPED_TRACE("the controller's clock stepped by " + std::to_string(step_ns) + " ns");
    const ControllerRealtimeStep step(step_ns);
    timespec kernel{};
    clock_gettime(CLOCK_REALTIME, &kernel);
    ASSERT_NEAR(static_cast<double>(wallNowNs() - (kernel.tv_sec * int64_t{1'000'000'000} + kernel.tv_nsec)),
                static_cast<double>(step_ns), 100e6) << "the controller's readings are stepped, the kernel's not";
    const RunResult r = cluster.runTests({streamTest("after-a-controller-step", patterns::Placement::kRing, 20e6)});
    ASSERT_NO_FATAL_FAILURE(testing::expectRingDelivered(r, 2));
    EXPECT_TRUE(r.tests[0].clock_steps_ns.empty()) << "the agents' clocks did not move";
  }
  cluster.stop();
}

}  // namespace
}  // namespace fabcheck
