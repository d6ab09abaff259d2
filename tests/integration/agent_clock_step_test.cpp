// A clock jump on one agent (issue 19, "Faults"): a real `fabcheck run` of three local agents
// in which agent 1's CLOCK_REALTIME steps by +500 ms in the middle of the first test, as when NTP
// or PTP steps a host's clock. Stepping the machine's clock would disturb everything else on the
// host, so the step is made by the agent's test-only FABCHECK_TEST_REALTIME_STEP
// (agent/clock_watch.h): it shifts that agent's every realtime reading — its wire timestamps,
// its start instant and the production detection's readings alike. The detection is the
// production one: the agent's realtime − monotonic against its value when its clock was
// measured, reported with the round's results and judged by the controller against its bound.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/gen_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr int64_t kClockStepNs = 500'000'000;       // +500 ms
constexpr int64_t kStepAfterStartNs = 300'000'000;  // into the first test's 1 s of flows
constexpr int64_t kDefaultStepBoundNs = 1'000'000;  // ControllerOptions::clock_step_bound_ns

constexpr const char* kClockStepSuite = R"(name: clock-step
defaults: {duration: 1s, rate: 10Mbit/s}
tests:
  - name: stepped
    pattern: stream
    placement: ring
    slos: ["loss_ratio == 0", "one_way_latency_us.p99 <= 100000"]
  - name: after
    pattern: stream
    placement: ring
    duration: 300ms
    slos: ["loss_ratio == 0"]
)";

// A real `fabcheck run` of kClockStepSuite on three local agents, agent 1's realtime clock
// stepping by `step_ns` kStepAfterStartNs into the first test; `extra` more run flags. Sets the
// exit code and the JSON report (two tests); call it inside ASSERT_NO_FATAL_FAILURE.
void runWithAgentOneStepped(int64_t step_ns, const std::vector<std::string>& extra, int& code, json& report) {
  TempDir dir("fabcheck-clock-step");
  const std::string suite = dir.path() + "/s.yaml", path = dir.path() + "/r.json";
  std::ofstream(suite) << kClockStepSuite;
  const std::string step = "FABCHECK_TEST_REALTIME_STEP=1:" + std::to_string(step_ns) + ":" +
                           std::to_string(kStepAfterStartNs);
  std::vector<std::string> argv = {"/usr/bin/env", step, kFabcheckBin, "run", suite, "--agents", "3",
                                   "--report", "json:" + path};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const auto r = run(argv, seconds(120));
  ASSERT_FALSE(r.status.timed_out) << r.err;
  code = r.status.code;
  report = json::parse(slurp(path));
  ASSERT_EQ(report["tests"].size(), 2u) << r.err << r.out;
}

TEST(AgentClockStep, AStepOnOneAgentErrorsTheTestItHappenedInNamingTheAgentAndTheStep) {
  int code = 0;
  json j;
  ASSERT_NO_FATAL_FAILURE(runWithAgentOneStepped(kClockStepNs, {}, code, j));
  EXPECT_EQ(code, 3);

  // The test the step happened in: an error naming agent 1 and the step, within the bound.
  const json& t = j["tests"][0];
  EXPECT_EQ(t["verdict"], "error");
  ASSERT_TRUE(t["error"].is_string()) << t.dump();
  const std::string error = t["error"];
  EXPECT_EQ(error.rfind("agent 1 (", 0), 0u) << error;  // "agent 1 (host, address): ..."
  EXPECT_NE(error.find("CLOCK_REALTIME stepped by +"), std::string::npos) << error;  // its size: clock_steps below
  ASSERT_TRUE(t.contains("clock_steps")) << t.dump();
  ASSERT_EQ(t["clock_steps"].size(), 1u) << "only agent 1's clock stepped: " << t["clock_steps"].dump();
  const json& s = t["clock_steps"][0];
  EXPECT_EQ(s["agent"], 1);
  EXPECT_EQ(s["bound_ns"], kDefaultStepBoundNs);
  const int64_t seen = s["step_ns"];
  EXPECT_LE(std::llabs(seen - kClockStepNs), kDefaultStepBoundNs) << "reported step " << seen << " ns";
  // No SLO passes on its timestamps (nor on anything else of the errored test).
  for (const auto& slo : t["slos"]) EXPECT_EQ(slo["verdict"], "error") << slo.dump();
  // The agent is not lost: a clock step is not a failure of the agent.
  EXPECT_FALSE(j["agents"][1]["lost"].get<bool>());

  // Its clock was measured again: the next test runs clean on the same agents.
  const json& next = j["tests"][1];
  EXPECT_EQ(next["verdict"], "pass") << next.dump();
  EXPECT_FALSE(next.contains("clock_steps"));
}

TEST(AgentClockStep, AStepWithinTheBoundIsNotAFinding) {
  int code = 0;
  json j;
  // A tenth of the bound: what the detection must tolerate (its readings' own jitter).
  ASSERT_NO_FATAL_FAILURE(runWithAgentOneStepped(kDefaultStepBoundNs / 10, {}, code, j));
  EXPECT_EQ(code, 0);
  for (const auto& t : j["tests"]) {
    EXPECT_EQ(t["verdict"], "pass") << t.dump();
    EXPECT_FALSE(t.contains("clock_steps")) << t.dump();
  }
}

// `--clock-step-bound` raised above the step: the same +500 ms step is tolerated (the operator
// said so), not a finding; its timestamps are then off by it, which the SLOs judge as they are.
TEST(AgentClockStep, ARaisedBoundToleratesAStepWithinIt) {
  int code = 0;
  json j;
  ASSERT_NO_FATAL_FAILURE(runWithAgentOneStepped(kClockStepNs, {"--clock-step-bound", "2s"}, code, j));
  EXPECT_NE(code, 3);
  for (const auto& t : j["tests"]) {
    EXPECT_NE(t["verdict"], "error") << t.dump();
    EXPECT_FALSE(t.contains("clock_steps")) << t.dump();
  }
  EXPECT_EQ(j["tests"][1]["verdict"], "pass") << j["tests"][1].dump();
}

}  // namespace
}  // namespace fabcheck::testing
