// fabcheck::Runner with the local launcher: real agent processes of the real binary, real
// sockets on loopback.
#include "harness/runner/runner.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <set>

#include "generators/core/errors.h"
#include "tests/integration/runner_helpers.h"

namespace fabcheck {
namespace {

using testing::expectEveryFlowDelivered;
using testing::findAgent;
using testing::localRun;
using testing::streamTest;

TEST(Runner, RingIncastAndPingpongAcrossFourLocalAgents) {
  Runner runner(localRun(4));
  auto ring = streamTest("ring", patterns::Placement::kRing, 20e6);
  auto incast = streamTest("incast", patterns::Placement::kIncast, 10e6);
  incast.params.kind = patterns::PatternKind::kMicroburst;
  incast.params.burst_bytes = 10'000;
  incast.params.burst_interval_ns = 10'000'000;
  incast.params.rate_bps = 0;
  model::TestSpec ping;
  ping.name = "pingpong pairs";
  ping.placement = patterns::Placement::kPairs;
  ping.params.kind = patterns::PatternKind::kPingpong;
  ping.params.size_bytes = 64;
  ping.params.iterations = 200;
  RunResult r = runner.run({ring, incast, ping});
  ASSERT_EQ(r.agents.size(), 4u);
  for (const auto& a : r.agents) {
    EXPECT_FALSE(a.lost) << a.lost_reason;
    EXPECT_GE(a.offset_bound_ns, 0) << "clock offset measured";
    EXPECT_LT(std::llabs(a.clock_offset_ns), 5'000'000) << "same host: offsets near zero";
  }
  ASSERT_EQ(r.tests.size(), 3u);
  expectEveryFlowDelivered(r.tests[0], 4);
  for (const auto& f : r.tests[0].plan.flows) EXPECT_EQ(f.receiver, (f.sender + 1) % 4);
  expectEveryFlowDelivered(r.tests[1], 3);
  for (const auto& f : r.tests[1].plan.flows) EXPECT_EQ(f.receiver, 0);
  for (const auto& rx : r.tests[1].receivers) EXPECT_GT(rx.bursts_seen, 20u);
  EXPECT_GE(r.tests[1].start_skew_ns, 0) << "incast reports the achieved start skew";
  EXPECT_GE(r.tests[1].start_skew_bound_ns, 0);
  EXPECT_EQ(r.tests[2].error, "");
  ASSERT_EQ(r.tests[2].pingpongs.size(), 2u);
  for (const auto& p : r.tests[2].pingpongs) EXPECT_EQ(p.measured, 200u);
}

TEST(Runner, WithoutKeptOutcomesEachTestGoesToTheCallbackAndIsNotHeld) {
  RunOptions o = localRun(2);
  o.keep_outcomes = false;
  std::vector<std::string> seen;
  const RunResult r = Runner(o).run({streamTest("a", patterns::Placement::kPairs, 1e6), streamTest("b", patterns::Placement::kPairs, 1e6)},
                                    nullptr, [&](const model::TestOutcome& t) {
                                      EXPECT_EQ(t.error, "");
                                      EXPECT_FALSE(t.receivers.empty()) << t.spec.name << " came with its results";
                                      seen.push_back(t.spec.name);
                                    });
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(r.tests.empty()) << "a suite run reports as it goes; the runner holds nothing";
  EXPECT_EQ(r.agents.size(), 2u);
}

// Many agent identities per process (issue 18's measuring harness): 12 agents from 3 processes,
// each identity its own control connection and real UDP sockets; every agent's flows and round
// trips come back, host counters are off, and the controller timed each phase.
TEST(Runner, TwelveAgentsFromThreeProcessesEachReturnTheirResults) {
  Runner runner(testing::launcherRun("local", {{"localhost", 12, {}}},
                                     {{"identities_per_process", "4"}, {"host_counters", "off"}}));
  auto ring = streamTest("ring", patterns::Placement::kRing, 20e6);
  model::TestSpec ping;
  ping.name = "pingpong pairs";
  ping.placement = patterns::Placement::kPairs;
  ping.params.kind = patterns::PatternKind::kPingpong;
  ping.params.size_bytes = 64;
  ping.params.iterations = 50;
  RunResult r = runner.run({ring, ping});
  ASSERT_EQ(r.agents.size(), 12u);
  std::set<int> pids;
  for (const auto& a : r.agents) {
    EXPECT_FALSE(a.lost) << a.lost_reason;
    pids.insert(a.pid);
  }
  EXPECT_EQ(pids.size(), 3u) << "4 identities per process";
  EXPECT_EQ(r.agents[0].pid, r.agents[3].pid);
  EXPECT_NE(r.agents[3].pid, r.agents[4].pid);
  ASSERT_EQ(r.tests.size(), 2u);
  expectEveryFlowDelivered(r.tests[0], 12);
  for (const auto& f : r.tests[0].plan.flows) EXPECT_EQ(f.receiver, (f.sender + 1) % 12);
  EXPECT_EQ(r.tests[0].host_counters.size(), 12u);
  for (const auto& [a, c] : r.tests[0].host_counters) EXPECT_TRUE(c.contains("off")) << "agent " << a << ": " << c.dump();
  for (const auto& [a, lines] : r.tests[0].agent_logs) EXPECT_TRUE(lines.empty()) << "agent " << a;
  for (const char* phase : {"setup", "connect", "start", "run", "results"}) {
    EXPECT_EQ(r.tests[0].phase_ns.count(phase), 1u) << phase;
  }
  EXPECT_EQ(r.tests[1].error, "");
  ASSERT_EQ(r.tests[1].pingpongs.size(), 6u);
  for (const auto& p : r.tests[1].pingpongs) EXPECT_EQ(p.measured, 50u);
}

TEST(Runner, AgentsRefusePlansBeyondTheirSafetyLimitsAndTheRunGoesOn) {
  Runner runner(localRun(2, {"--max-rate", "100M"}));
  auto flood = streamTest("flood", patterns::Placement::kPairs, 0);  // unlimited
  auto polite = streamTest("polite", patterns::Placement::kPairs, 50e6);
  RunResult r = runner.run({flood, polite});
  ASSERT_EQ(r.tests.size(), 2u);
  EXPECT_NE(r.tests[0].error.find("refuses the plan"), std::string::npos) << r.tests[0].error;
  EXPECT_NE(r.tests[0].error.find("agent 0"), std::string::npos) << r.tests[0].error;
  expectEveryFlowDelivered(r.tests[1], 1);
}

TEST(Runner, ALostAgentIsNamedWithItsPhaseAndLaterTestsSayItWasLost) {
  Runner runner(localRun(2));
  bool killed = false;
  RunResult r = runner.run({streamTest("first", patterns::Placement::kPairs, 10e6),
                            streamTest("second", patterns::Placement::kPairs, 10e6),
                            streamTest("third", patterns::Placement::kPairs, 10e6)},
                           nullptr, [&](const model::TestOutcome& t) {
                             if (t.name != "first") return;
                             const pid_t pid = findAgent(1);
                             ASSERT_GT(pid, 0);
                             killed = kill(pid, SIGKILL) == 0;
                           });
  ASSERT_TRUE(killed);
  ASSERT_EQ(r.tests.size(), 3u);
  EXPECT_EQ(r.tests[0].error, "");
  EXPECT_NE(r.tests[1].error.find("agent 1"), std::string::npos) << r.tests[1].error;
  EXPECT_NE(r.tests[1].error.find("during "), std::string::npos) << r.tests[1].error;
  EXPECT_NE(r.tests[2].error.find("lost in an earlier test"), std::string::npos) << r.tests[2].error;
  EXPECT_TRUE(r.agents[1].lost);
}

TEST(Runner, AnAgentThatCannotStartIsReportedBeforeAnyTest) {
  RunOptions o = localRun(2, {"--no-such-option"});  // agents exit at once with a usage error
  Runner runner(o);
  try {
    runner.run({streamTest("never", patterns::Placement::kPairs, 10e6)});
    FAIL() << "expected the launch to fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("exited with code 2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no-such-option"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fabcheck
