// Every pattern over `transport: verbs` through real runs of local agents, on the software
// device (this host has no RDMA NIC; the software device enforces a NIC's rules and is never
// performance): streams over SEND and WRITE WITH IMMEDIATE on several QPs, microbursts into an
// incast, pingpong over UD, a probe beside a load, and a ring all-reduce on the NIC's (here the
// device's) reliability, with no retransmission layer of our own. An injected dead path ends
// a stream and a collective with the verbs error in words, and nothing hangs.
#include <gtest/gtest.h>

#include <cstdlib>

#include "harness/results/test_summary.h"
#include "harness/runner/runner.h"
#include "tests/integration/collective_test_helpers.h"
#include "tests/integration/runner_helpers.h"
#include "tests/support/temp_dir.h"

namespace fabcheck {
namespace {

using testing::localRun;
using testing::streamTest;

// The agents of these tests inherit FABCHECK_VERBS_SOFTWARE: one software fabric per test.
class RunnerVerbs : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("FABCHECK_VERBS_SOFTWARE", dir_.path().c_str(), 1); }
  void TearDown() override {
    ::unsetenv("FABCHECK_VERBS_SOFTWARE");
    ::unsetenv("FABCHECK_VERBS_SOFTWARE_FAULT");
  }
  testing::TempDir dir_;
};

model::TestSpec verbs(model::TestSpec t, std::map<std::string, std::string> extra) {
  t.transport = "verbs";
  t.transport_options.extra = std::move(extra);
  return t;
}

void expectNotPerformance(const model::TestOutcome& t) {
  EXPECT_NE(t.transport_caveat.find("not performance"), std::string::npos) << t.name << ": " << t.transport_caveat;
  EXPECT_FALSE(t.transport_devices.empty()) << t.name;
  for (const auto& [a, d] : t.transport_devices) EXPECT_NE(d.find("softroce0"), std::string::npos) << d;
}

TEST_F(RunnerVerbs, StreamsMicroburstsAndPingpongRunOverRcAndUd) {
  auto send = verbs(streamTest("ring send", patterns::Placement::kRing, 20e6), {{"verb", "send"}});
  auto imm = verbs(streamTest("ring write_imm 2 QPs", patterns::Placement::kRing, 20e6),
                   {{"verb", "write_imm"}, {"qps", "2"}});
  auto incast = verbs(streamTest("incast microbursts", patterns::Placement::kIncast, 0), {{"verb", "send"}});
  incast.params.kind = patterns::PatternKind::kMicroburst;
  incast.params.burst_bytes = 10'000;
  incast.params.burst_interval_ns = 20'000'000;
  model::TestSpec ping;
  ping.name = "pingpong ud";
  ping.placement = patterns::Placement::kPairs;
  ping.params.kind = patterns::PatternKind::kPingpong;
  ping.params.size_bytes = 64;
  ping.params.iterations = 100;
  ping = verbs(ping, {{"connection", "ud"}});
  RunResult r = Runner(localRun(4)).run({send, imm, incast, ping});
  ASSERT_EQ(r.tests.size(), 4u);
  testing::expectEveryFlowDelivered(r.tests[0], 4);
  testing::expectEveryFlowDelivered(r.tests[1], 4);
  testing::expectEveryFlowDelivered(r.tests[2], 3);
  for (const auto& rx : r.tests[2].receivers) EXPECT_GT(rx.bursts_seen, 5u);
  EXPECT_EQ(r.tests[3].error, "");
  ASSERT_EQ(r.tests[3].pingpongs.size(), 2u);
  for (const auto& p : r.tests[3].pingpongs) EXPECT_EQ(p.measured, 100u);
  for (const auto& t : r.tests) expectNotPerformance(t);
  const auto j = results::summarizeTest(r.tests[0], r.agents);
  EXPECT_NE(j.value("transport_caveat", "").find("not performance"), std::string::npos) << "in the report too";
}

TEST_F(RunnerVerbs, AProbeBesideALoadAndARingAllReduceOnTheDevicesReliability) {
  auto load = verbs(streamTest("probed ring", patterns::Placement::kRing, 10e6), {{"verb", "write_imm"}});
  load.probe = model::ProbeSpec{};
  load.probe->params.kind = patterns::PatternKind::kPingpong;
  load.probe->params.size_bytes = 64;
  load.probe->from = 1;
  load.probe->to = 2;
  load.probe->dscp = 46;
  load.probe->idle_duration_ns = 200'000'000;
  auto ring = testing::collectiveTest("all_reduce ring over verbs", patterns::CollectiveKind::kAllReduce,
                                      patterns::CollectiveAlgorithm::kRing, 256 << 10, {0, 1, 2, 3});
  ring = verbs(ring, {{"verb", "write_imm"}, {"qps", "2"}});
  RunResult r = Runner(localRun(4)).run({load, ring});
  ASSERT_EQ(r.tests.size(), 2u);
  testing::expectEveryFlowDelivered(r.tests[0], 4);
  ASSERT_EQ(r.tests[0].pingpongs.size(), 1u);
  EXPECT_GT(r.tests[0].pingpongs[0].measured, 0u);
  ASSERT_NO_FATAL_FAILURE(testing::expectCollectiveComplete(r.tests[1]));
  for (const auto& round : r.tests[1].collective.rounds) {
    for (const auto& rank : round.ranks) {
      EXPECT_EQ(rank.retransmissions, 0u) << "RC: the device retransmits, not fabcheck";
      EXPECT_EQ(rank.timeouts, 0u);
    }
  }
  for (const auto& t : r.tests) expectNotPerformance(t);
}

TEST_F(RunnerVerbs, ADeadPathEndsTheTestWithTheVerbsErrorInsteadOfHanging) {
  ::setenv("FABCHECK_VERBS_SOFTWARE_FAULT", "path_dead", 1);
  auto t = verbs(streamTest("dead path", patterns::Placement::kPairs, 10e6),
                 {{"verb", "send"}, {"timeout", "10"}, {"retry_cnt", "2"}});
  auto ring = testing::collectiveTest("dead all-reduce", patterns::CollectiveKind::kAllReduce,
                                      patterns::CollectiveAlgorithm::kRing, 64 << 10, {0, 1});
  ring = verbs(ring, {{"verb", "send"}, {"timeout", "10"}, {"retry_cnt", "2"}});
  RunResult r = Runner(localRun(2)).run({t, ring});
  ASSERT_EQ(r.tests.size(), 2u);
  for (const auto& x : r.tests) {
    EXPECT_NE(x.error.find("transport retry counter exceeded"), std::string::npos) << x.name << ": " << x.error;
    EXPECT_NE(x.error.find("softroce0"), std::string::npos) << x.error;
  }
}

}  // namespace
}  // namespace fabcheck
