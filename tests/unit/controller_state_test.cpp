// The controller's state machine against scripted fake agents over in-memory channels
// (tests/support/scripted_agent.h): the happy path through every phase, and each way an agent
// can misbehave — silent, twice, wrong type, malformed, stale, "error"; and a matrix's flagged
// pairs run again alone, cleared when they recover and confirmed when they stay slow.
#include <gtest/gtest.h>

#include <climits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "harness/controller/controller.h"
#include "harness/controller/round_runner.h"
#include "harness/plan/test_rounds.h"
#include "harness/protocol/agent_messages.h"
#include "harness/protocol/in_memory_channel.h"
#include "harness/results/test_summary.h"
#include "tests/support/scripted_agent.h"

namespace fabcheck::controller {
namespace {

using nlohmann::json;
using testing::ScriptedAgent;
using Fault = ScriptedAgent::Fault;

// Generous for agents that answer (reached only when something is broken); short where an
// agent is scripted to stay silent, so that the test finds it out quickly.
constexpr int64_t kStepNs = 10'000'000'000;
constexpr int64_t kSilentStepNs = 100'000'000;

struct Cluster {
  std::vector<std::unique_ptr<ScriptedAgent>> agents;
  std::unique_ptr<Controller> controller;

  // `scripts[i]` is agent i's (a missing one: no fault).
  explicit Cluster(int count, std::vector<ScriptedAgent::Script> scripts = {}, int64_t step_ns = kStepNs,
                   int64_t clock_step_bound_ns = ControllerOptions{}.clock_step_bound_ns) {
    scripts.resize(static_cast<size_t>(count));
    std::vector<ConnectedAgent> connected;
    for (int i = 0; i < count; ++i) {
      auto [mine, theirs] = protocol::InMemoryChannel::makePair("controller", "fake:" + std::to_string(i));
      AgentInfo info;
      info.id = i;
      info.host = "host" + std::to_string(i);
      info.peer = "fake:" + std::to_string(i);
      info.boot_id = "another-boot-" + std::to_string(i);  // never ours: clocks are measured
      connected.push_back({info, std::move(mine)});
      agents.push_back(std::make_unique<ScriptedAgent>(i, std::move(theirs), scripts[static_cast<size_t>(i)]));
    }
    ControllerOptions options;
    options.step_timeout_ns = step_ns;
    options.start_delay_ns = 1'000'000;
    options.drain_allowance_ns = 0;
    options.clock_samples = 2;
    options.clock_step_bound_ns = clock_step_bound_ns;
    controller = std::make_unique<Controller>(std::move(connected), options);
  }
  ~Cluster() { controller.reset(); }  // bye to every agent still there, before they go
};

TestSpec streamTest(const std::string& name = "pairs") {
  TestSpec spec;
  spec.name = name;
  spec.transport = "loop";
  spec.params.kind = patterns::PatternKind::kStream;
  spec.params.size_bytes = 1000;
  spec.params.rate_bps = 1e6;
  spec.params.duration_ns = 1'000'000;
  return spec;
}

ScriptedAgent::Script fault(const std::string& at, Fault f, std::string text = "scripted failure") {
  ScriptedAgent::Script s;
  s.at = at;
  s.fault = f;
  s.error_text = std::move(text);
  return s;
}

TEST(ControllerState, HappyPathBringsEveryAgentsResultsIntoTheOutcome) {
  Cluster c(2);
  c.controller->measureClocks();
  for (const auto& a : c.controller->agents()) EXPECT_GE(a.offset_bound_ns, 0) << a.id;

  const TestOutcome out = c.controller->runTest(streamTest());
  EXPECT_EQ(out.error, "");
  EXPECT_EQ(out.participants, (std::vector<int>{0, 1}));
  ASSERT_EQ(out.plan.flows.size(), 1u);
  EXPECT_EQ(out.plan.flows[0].sender, 0);
  ASSERT_EQ(out.senders.size(), 1u);
  EXPECT_EQ(out.senders[0].packets, 100u);
  ASSERT_EQ(out.receivers.size(), 1u);
  EXPECT_EQ(out.receivers[0].sequence.received, 100u);  // the receiver got the sender's count in "finish"
  EXPECT_EQ(out.host_counters.at(1).at("netns"), "net:[1]");
  EXPECT_EQ(out.host_counters.at(1).at("metrics").at("netdev.rx_packets"), 7);
  EXPECT_EQ(out.agent_logs.at(0).size(), 1u);
  EXPECT_EQ(out.rounds, 1);

  // The agents saw every phase of the test, with its id.
  const json setup = c.agents[1]->waitFor("setup");
  EXPECT_EQ(setup.at("me"), 1);
  EXPECT_EQ(setup.at("test"), "pairs");
  const json connect = c.agents[0]->waitFor("connect");
  EXPECT_EQ(connect.at("flows").at("0").at("fields").at("flow"), "0");  // the receiver's endpoint, relayed
  EXPECT_EQ(protocol::testIdOf(connect), protocol::testIdOf(setup));
  EXPECT_EQ(c.agents[1]->waitFor("finish").at("sent"), (json{{"0", 100}}));
  EXPECT_TRUE(c.agents[0]->waitFor("abort", std::chrono::milliseconds(0)).is_null());

  // A second test runs too, with a new id.
  EXPECT_EQ(c.controller->runTest(streamTest("again")).error, "");
}

TEST(ControllerState, AClockStepBeyondTheBoundErrorsTheTestAndTheAgentsClockIsMeasuredAgain) {
  ScriptedAgent::Script stepped;
  stepped.clock_step_ns = -400'000'000;
  Cluster c(2, {{}, stepped});
  const TestOutcome out = c.controller->runTest(streamTest());
  EXPECT_EQ(out.error,
            "agent 1 (host1, fake:1): its CLOCK_REALTIME stepped by -400.000 ms during the test (more than the bound of "
            "1.000 ms): the timestamps it took (one-way latency, start times, round trips) are not trustworthy; its "
            "clock is measured again before the next test");
  EXPECT_EQ(out.clock_steps_ns, (std::map<int, int64_t>{{1, -400'000'000}}));
  EXPECT_EQ(out.clock_step_bound_ns, 1'000'000);
  EXPECT_FALSE(c.controller->agents()[1].lost);
  EXPECT_EQ(out.senders.size(), 1u) << "the figures are kept; the test is an error";
  // Measured again (clock_samples probes) — agent 1 only.
  EXPECT_FALSE(c.agents[1]->waitFor("time").is_null());
  EXPECT_TRUE(c.agents[0]->waitFor("time", std::chrono::milliseconds(0)).is_null());
}

TEST(ControllerState, AClockStepWithinTheBoundIsNoFinding) {
  ScriptedAgent::Script small;
  small.clock_step_ns = 900'000;
  Cluster c(2, {small});
  const TestOutcome out = c.controller->runTest(streamTest());
  EXPECT_EQ(out.error, "");
  EXPECT_TRUE(out.clock_steps_ns.empty());
  EXPECT_TRUE(c.agents[0]->waitFor("time", std::chrono::milliseconds(0)).is_null());
}

// A raised bound (`--clock-step-bound 2s`) tolerates the step, but the agent's offset is stale
// by it: its clock is measured again all the same (else its next start instant is 400 ms off).
TEST(ControllerState, AClockStepARaisedBoundToleratesIsNoFindingButTheClockIsMeasuredAgain) {
  ScriptedAgent::Script stepped;
  stepped.clock_step_ns = -400'000'000;
  Cluster c(2, {{}, stepped}, kStepNs, 2'000'000'000);
  const TestOutcome out = c.controller->runTest(streamTest());
  EXPECT_EQ(out.error, "");
  EXPECT_TRUE(out.clock_steps_ns.empty());
  EXPECT_EQ(out.clock_step_bound_ns, 2'000'000'000);
  EXPECT_FALSE(c.agents[1]->waitFor("time").is_null());
  EXPECT_TRUE(c.agents[0]->waitFor("time", std::chrono::milliseconds(0)).is_null());
}

TEST(ControllerState, AnAgentThatNeverAnswersIsLostAndTheOthersAbort) {
  Cluster c(2, {{}, fault("ready", Fault::kSilent)}, kSilentStepNs);
  const TestOutcome out = c.controller->runTest(streamTest());
  EXPECT_EQ(out.error, "agent 1 (host1, fake:1) sent no 'ready' within 100 ms during barrier");
  EXPECT_TRUE(c.controller->agents()[1].lost);
  EXPECT_EQ(c.controller->agents()[1].lost_reason, out.error);
  EXPECT_FALSE(c.controller->agents()[0].lost);
  const json abort = c.agents[0]->waitFor("abort");
  ASSERT_FALSE(abort.is_null());
  EXPECT_EQ(protocol::testIdOf(abort), protocol::testIdOf(c.agents[0]->waitFor("setup")));

  // A later test that needs the lost agent is an error at once.
  EXPECT_EQ(c.controller->runTest(streamTest()).error,
            "agent 1 was lost in an earlier test: agent 1 (host1, fake:1) sent no 'ready' within 100 ms during barrier");
}

TEST(ControllerState, SilenceInEachPhaseNamesThatPhase) {
  {
    Cluster c(2, {fault("endpoints", Fault::kSilent)}, kSilentStepNs);
    EXPECT_EQ(c.controller->runTest(streamTest()).error,
              "agent 0 (host0, fake:0) sent no 'endpoints' within 100 ms during setup");
  }
  {
    Cluster c(2, {{}, fault("results", Fault::kSilent)}, kSilentStepNs);
    EXPECT_EQ(c.controller->runTest(streamTest()).error,
              "agent 1 (host1, fake:1) sent no 'results' within 100 ms during results");
    EXPECT_TRUE(c.controller->agents()[1].lost);
  }
  {
    Cluster c(1, {fault("time", Fault::kSilent)}, kSilentStepNs);
    EXPECT_THROW(c.controller->measureClocks(), TimeoutError);
  }
}

TEST(ControllerState, ASecondAnswerIsAProtocolError) {
  Cluster c(2, {fault("endpoints", Fault::kTwice)});
  const TestOutcome out = c.controller->runTest(streamTest());
  EXPECT_EQ(out.error, "agent 0 (host0, fake:0) sent 'endpoints' during barrier; expected 'ready'");
  EXPECT_TRUE(c.controller->agents()[0].lost);
  EXPECT_FALSE(c.agents[1]->waitFor("abort").is_null());
}

TEST(ControllerState, AnotherMessageTypeIsAProtocolError) {
  Cluster c(2, {{}, fault("endpoints", Fault::kWrongType)});
  const TestOutcome out = c.controller->runTest(streamTest());
  EXPECT_EQ(out.error, "agent 1 (host1, fake:1) sent 'ready' during setup; expected 'endpoints'");
  EXPECT_TRUE(c.controller->agents()[1].lost);
  EXPECT_FALSE(c.agents[0]->waitFor("abort").is_null());
}

TEST(ControllerState, AMalformedAnswerIsAProtocolErrorNamingTheField) {
  Cluster c(2, {{}, fault("endpoints", Fault::kMalformed)});
  const TestOutcome out = c.controller->runTest(streamTest());
  EXPECT_EQ(out.error,
            "agent 1 (host1, fake:1) during setup: malformed 'endpoints' message: 'flows': expected an object keyed "
            "by flow id, got array");
  EXPECT_TRUE(c.controller->agents()[1].lost);
}

TEST(ControllerState, AnAnswerOfAnotherTestIdIsIgnored) {
  Cluster c(2, {fault("sent", Fault::kStaleFirst), fault("endpoints", Fault::kStaleFirst)});
  const TestOutcome out = c.controller->runTest(streamTest());
  EXPECT_EQ(out.error, "");
  EXPECT_EQ(out.senders.size(), 1u);
  EXPECT_FALSE(c.controller->agents()[0].lost);
}

TEST(ControllerState, AnAgentsErrorEndsTheTestWithItsMessage) {
  Cluster c(2, {{}, fault("endpoints", Fault::kError, "agent 1 on host1 refuses the plan: too fast")});
  const TestOutcome out = c.controller->runTest(streamTest());
  EXPECT_EQ(out.error, "agent 1 on host1 refuses the plan: too fast");
  // Not lost: it answered. Both are told to abort and stay available.
  EXPECT_FALSE(c.controller->agents()[1].lost);
  EXPECT_FALSE(c.agents[0]->waitFor("abort").is_null());
  EXPECT_FALSE(c.agents[1]->waitFor("abort").is_null());
}

TEST(ControllerState, AgentsMustBeGivenInIdOrder) {
  auto [mine, theirs] = protocol::InMemoryChannel::makePair("controller", "fake");
  std::vector<ConnectedAgent> agents;
  AgentInfo info;
  info.id = 1;
  agents.push_back({info, std::move(mine)});
  EXPECT_THROW(Controller(std::move(agents), ControllerOptions{}), ConfigError);
}

// A stream matrix on 4 fake agents: pair (0,1) is slow in the first pass only (CPU noise), pair
// (2,3) in every run (a bad link). Every other pair, and (0,1) in its retests, carry 1 Gbit/s.
TEST(ControllerState, AMatrixRetestsItsFlaggedPairsAloneAndKeepsTheFirstPass) {
  ScriptedAgent::Script s;
  s.measured_ns = 1'000'000'000;
  s.received_bytes = [](const patterns::FlowSpec& f, int run) -> uint64_t {
    const bool noisy = f.sender == 0 && f.receiver == 1 && run == 0;
    const bool bad = f.sender == 2 && f.receiver == 3;
    return noisy || bad ? 37'500'000 : 125'000'000;  // 0.3 or 1 Gbit/s over 1 s
  };
  Cluster c(4, {s, s, s, s});
  TestSpec spec = streamTest("matrix");
  spec.placement = patterns::Placement::kMatrix;
  spec.outlier_retests = 2;
  const TestOutcome out = c.controller->runTest(spec);
  ASSERT_EQ(out.error, "");
  EXPECT_EQ(out.rounds, 3) << "the first pass's matchings";
  EXPECT_EQ(out.senders.size(), 6u) << "the flow results are the first pass's";
  EXPECT_EQ(out.receivers.size(), 6u);
  ASSERT_EQ(out.matrix_retests.size(), 2u);
  EXPECT_EQ(out.matrix_retests[0].a, 0);
  EXPECT_EQ(out.matrix_retests[0].b, 1);
  EXPECT_DOUBLE_EQ(out.matrix_retests[0].first_pass, 0.3);
  ASSERT_EQ(out.matrix_retests[0].values.size(), 1u) << "cleared by its first retest: not run again";
  EXPECT_DOUBLE_EQ(out.matrix_retests[0].values[0].value_or(-1), 1.0);
  EXPECT_EQ(out.matrix_retests[1].a, 2);
  ASSERT_EQ(out.matrix_retests[1].values.size(), 2u);
  EXPECT_DOUBLE_EQ(out.matrix_retests[1].values[1].value_or(-1), 0.3);

  // Agent 3 took part in 3 first-pass rounds (in the last one 2 -> 3, the only flow its setup
  // carries: an agent hears only of its own flows) and in (2,3)'s two retests, which ran that
  // pair alone.
  std::vector<json> setups;
  for (const auto& m : c.agents[3]->received()) {
    if (protocol::typeOf(m) == "setup") setups.push_back(m);
  }
  ASSERT_EQ(setups.size(), 5u);
  for (size_t i = 3; i < 5; ++i) {
    ASSERT_EQ(setups[i].at("flows").size(), 1u) << setups[i].dump();
    EXPECT_EQ(setups[i].at("flows").at(0).at("sender"), 2);
    ASSERT_EQ(setups[2].at("flows").size(), 1u) << setups[2].dump();
    EXPECT_EQ(setups[i].at("flows").at(0).at("flow_id"), setups[2].at("flows").at(0).at("flow_id"))
        << "the first pass's flow, same id";
  }

  const json j = results::summarizeTest(out, c.controller->agents());
  const json& o = j.at("matrix").at("outliers");
  ASSERT_EQ(o.at("pairs").size(), 1u) << o.dump();
  EXPECT_EQ(o.at("pairs").at(0).at("a"), 2);
  EXPECT_EQ(o.at("cleared"), 1);
  EXPECT_EQ(j.at("matrix").at("first_pass").at("pairs").size(), 2u);
  EXPECT_EQ(j.at("metrics").at("matrix").at("outlier_pairs"), 1);
  EXPECT_EQ(j.at("metrics").at("matrix").at("first_pass_outlier_pairs"), 2);
}

TEST(ControllerState, AMatrixWithoutRetestsRunsItsMatchingsOnly) {
  ScriptedAgent::Script s;
  s.measured_ns = 1'000'000'000;
  s.received_bytes = [](const patterns::FlowSpec& f, int) -> uint64_t { return f.receiver == 3 ? 37'500'000 : 125'000'000; };
  Cluster c(4, {s, s, s, s});
  TestSpec spec = streamTest("matrix");
  spec.placement = patterns::Placement::kMatrix;
  spec.outlier_retests = 0;
  const TestOutcome out = c.controller->runTest(spec);
  ASSERT_EQ(out.error, "");
  EXPECT_TRUE(out.matrix_retests.empty());
  size_t setups = 0;
  for (const auto& m : c.agents[3]->received()) setups += protocol::typeOf(m) == "setup";
  EXPECT_EQ(setups, 3u);
  const json j = results::summarizeTest(out, c.controller->agents());
  EXPECT_EQ(j.at("metrics").at("matrix").at("outlier_pairs"), 3) << "the first pass decides";
  EXPECT_EQ(j.at("matrix").at("outliers").at("suspect"), "agent 3 (host3)");
}

// Issue 18: each agent hears only about its own flows, so a round's messages stay O(flows).
TEST(ControllerState, EachAgentIsToldOnlyOfItsOwnFlowsAndTheirSentCounts) {
  for (const auto placement : {patterns::Placement::kRing, patterns::Placement::kIncast}) {
    Cluster c(5);
    c.controller->measureClocks();
    TestSpec spec = streamTest("own flows");
    spec.placement = placement;
    const TestOutcome out = c.controller->runTest(spec);
    ASSERT_EQ(out.error, "") << toString(placement);
    for (int a = 0; a < 5; ++a) {
      std::set<uint32_t> sends, receives;
      for (const auto& f : out.plan.flows) {
        if (f.sender == a) sends.insert(f.flow_id);
        if (f.receiver == a) receives.insert(f.flow_id);
      }
      std::set<uint32_t> both = sends;
      both.insert(receives.begin(), receives.end());
      const json setup = c.agents[static_cast<size_t>(a)]->waitFor("setup");
      std::set<uint32_t> in_setup, corrected, in_connect, in_finish;
      for (const auto& f : setup.at("flows")) in_setup.insert(f.at("flow_id").get<uint32_t>());
      for (const auto& [id, v] : setup.at("clock_correction_ns").items()) corrected.insert(static_cast<uint32_t>(std::stoul(id)));
      const json connect = c.agents[static_cast<size_t>(a)]->waitFor("connect");
      const json finish = c.agents[static_cast<size_t>(a)]->waitFor("finish");
      for (const auto& [id, v] : connect.at("flows").items()) in_connect.insert(static_cast<uint32_t>(std::stoul(id)));
      for (const auto& [id, v] : finish.at("sent").items()) {
        in_finish.insert(static_cast<uint32_t>(std::stoul(id)));
        EXPECT_EQ(v, 100) << "agent " << a << " flow " << id;
      }
      EXPECT_EQ(in_setup, both) << toString(placement) << " agent " << a;
      EXPECT_EQ(corrected, both) << toString(placement) << " agent " << a;
      EXPECT_EQ(in_connect, sends) << toString(placement) << " agent " << a;
      EXPECT_EQ(in_finish, receives) << toString(placement) << " agent " << a;
    }
    EXPECT_EQ(out.receivers.size(), out.plan.flows.size());
    for (const auto& r : out.receivers) EXPECT_EQ(r.sequence.received, 100u) << "flow " << r.flow_id;
  }
}

// Issue 18: the start instant leaves room for the one-by-one "start" messages and clock error.
TEST(ControllerState, TheStartMarginGrowsWithTheExchangeAndTheClockBounds) {
  constexpr int64_t kMs = 1'000'000;
  EXPECT_EQ(startMarginNs(200 * kMs, 1 * kMs, 0), 200 * kMs) << "a small round keeps the configured delay";
  EXPECT_EQ(startMarginNs(200 * kMs, 150 * kMs, 0), 300 * kMs) << "twice the time the connects took to send";
  EXPECT_EQ(startMarginNs(200 * kMs, 150 * kMs, 40 * kMs), 340 * kMs) << "plus the largest offset bound";
  EXPECT_EQ(startMarginNs(200 * kMs, 0, 250 * kMs), 250 * kMs);
  EXPECT_EQ(startMarginNs(200 * kMs, -5, -1), 200 * kMs) << "unknown bounds and clock steps count as 0";
  EXPECT_GT(startMarginNs(0, INT64_MAX, INT64_MAX), 0) << "no overflow";
}

// Issue 18: a matrix's rounds are planned one at a time — a 4096-agent matrix never holds its
// 8.4M flows as rounds — and they are the rounds placeRounds builds.
TEST(ControllerState, AMatrixIsPlannedOneRoundAtATime) {
  TestSpec spec = streamTest("matrix");
  spec.placement = patterns::Placement::kMatrix;
  for (int n : {2, 5, 8}) {
    const plan::TestRounds lazy = plan::planTestRounds(spec, n);
    EXPECT_TRUE(lazy.rounds.empty());
    const auto eager = patterns::placeRounds(spec.params, spec.placement, n);
    ASSERT_EQ(lazy.count(), eager.size()) << n;
    for (size_t r = 0; r < eager.size(); ++r) {
      const patterns::PatternPlan got = lazy.round(r);
      ASSERT_EQ(got.flows.size(), eager[r].flows.size());
      for (size_t i = 0; i < got.flows.size(); ++i) {
        EXPECT_EQ(got.flows[i].flow_id, eager[r].flows[i].flow_id);
        EXPECT_EQ(got.flows[i].sender, eager[r].flows[i].sender);
        EXPECT_EQ(got.flows[i].receiver, eager[r].flows[i].receiver);
      }
    }
  }
  const plan::TestRounds big = plan::planTestRounds(spec, 4096);
  EXPECT_TRUE(big.rounds.empty());
  EXPECT_EQ(big.count(), 4095u);
  const patterns::PatternPlan last = big.round(4094);
  ASSERT_EQ(last.flows.size(), 2048u);
  EXPECT_EQ(last.flows.back().flow_id, 4095u * 2048u - 1) << "ids run on over the rounds before it";

  // The controller adds each round's flows to the outcome's plan as it runs it.
  Cluster ok(4);
  spec.outlier_retests = 0;
  EXPECT_EQ(ok.controller->runTest(spec).plan.flows.size(), 6u) << "3 rounds of 2 pairs";
  Cluster failing(4, {{}, {}, {}, fault("results", Fault::kError)});
  const TestOutcome out = failing.controller->runTest(spec);
  EXPECT_EQ(out.error, "scripted failure");
  EXPECT_EQ(out.rounds, 1);
  EXPECT_EQ(out.plan.flows.size(), 2u) << "only the round that ran";
}

}  // namespace
}  // namespace fabcheck::controller
