// Latency under load through a real run: a pingpong probe on its own DSCP between two of three
// local agents, first alone (idle baseline), then while a ring of streams runs.
#include <gtest/gtest.h>

#include "harness/results/test_summary.h"
#include "harness/runner/runner.h"
#include "harness/slo/metric_registry.h"
#include "tests/integration/runner_helpers.h"

namespace fabcheck {
namespace {

using testing::localRun;
using testing::streamTest;

model::TestSpec probedRing() {
  auto t = streamTest("latency under load", patterns::Placement::kRing, 30e6);
  t.params.warmup_ns = 100'000'000;
  t.params.duration_ns = 500'000'000;
  t.probe = model::ProbeSpec{};
  t.probe->params.kind = patterns::PatternKind::kPingpong;
  t.probe->params.size_bytes = 64;
  t.probe->params.warmup_iterations = 5;
  t.probe->from = 1;
  t.probe->to = 2;
  t.probe->dscp = 46;
  t.probe->idle_duration_ns = 300'000'000;
  return t;
}

TEST(RunnerProbe, AProbeRunsIdleThenUnderTheLoadOnItsOwnDscp) {
  Runner runner(localRun(3));
  auto bad = probedRing();
  bad.name = "probe outside the test";
  bad.agents = {0, 1};
  bad.placement = patterns::Placement::kPairs;
  bad.probe->to = 2;
  RunResult r = runner.run({probedRing(), bad, streamTest("after", patterns::Placement::kPairs, 10e6)});
  ASSERT_EQ(r.tests.size(), 3u);
  const auto& t = r.tests[0];
  ASSERT_EQ(t.error, "");
  // The load: three stream flows on the test's DSCP (0), every message delivered.
  testing::expectEveryFlowDelivered(t, 3);
  for (const auto& rx : t.receivers) EXPECT_EQ(rx.dscp_seen, 0) << "the load keeps the test's DSCP";
  // The probe: flow 3, agent 1 → agent 2, with its own parameters.
  ASSERT_EQ(t.plan.flows.size(), 4u);
  const auto& pf = t.plan.flows[3];
  ASSERT_TRUE(pf.params.has_value());
  EXPECT_EQ(pf.role, patterns::FlowRole::kPingpong);
  EXPECT_EQ(pf.sender, 1);
  EXPECT_EQ(pf.receiver, 2);
  ASSERT_EQ(t.probe.idle_pingpongs.size(), 1u);
  ASSERT_EQ(t.pingpongs.size(), 1u);
  for (const auto* p : {&t.probe.idle_pingpongs[0], &t.pingpongs[0]}) {
    EXPECT_EQ(p->flow_id, 3u);
    EXPECT_EQ(p->error, "");
    EXPECT_GT(p->measured, 0u);
    EXPECT_EQ(p->timeouts, 0u);
    EXPECT_EQ(p->rtt_ns.count(), p->measured);
  }
  EXPECT_GE(t.probe.idle_pingpongs[0].measured_ns, 300'000'000) << "the idle phase runs its own duration";
  EXPECT_GE(t.pingpongs[0].measured_ns, 500'000'000) << "the loaded phase runs the load's measured phase";
  ASSERT_EQ(t.responders.size(), 1u) << "the loaded phase's responder only";
  EXPECT_EQ(t.responders[0].dscp_seen, 46) << "the probe travels on its own DSCP";
  // Reported beside each other; the load's metrics leave the probe out.
  const auto j = results::summarizeTest(t, r.agents);
  const auto m = slo::flattenMetrics(j);
  EXPECT_EQ(m.at("sent_packets"), static_cast<double>(t.senders[0].packets + t.senders[1].packets + t.senders[2].packets));
  EXPECT_GT(m.at("latency_us.p99"), 0);
  EXPECT_GT(m.at("idle_latency_us.p99"), 0);
  EXPECT_DOUBLE_EQ(m.at("latency_increase_us.p99"), m.at("latency_us.p99") - m.at("idle_latency_us.p99"));
  EXPECT_EQ(m.at("probe.lost_packets"), 0);
  EXPECT_EQ(m.at("probe.dscp_received"), 46);
  // A probe between positions the test does not have is that test's error; the run goes on.
  EXPECT_EQ(r.tests[1].error,
            "test 'probe outside the test': probe between positions 1 and 2; expected two different positions of "
            "its 2 agents (0..1)");
  EXPECT_EQ(r.tests[2].error, "");
}

}  // namespace
}  // namespace fabcheck
