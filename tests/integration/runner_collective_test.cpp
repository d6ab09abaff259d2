// Collectives through real runs of local agents: every kind and algorithm on 4 to 8 agents,
// each rank moving exactly its schedule's bytes, nccl-tests metrics in the summary, a sweep,
// a bad size refused before anything runs, and an agent's safety limit refusing an unpaced
// collective while a paced one runs.
#include <gtest/gtest.h>

#include <cmath>

#include "generators/patterns/collective_kind.h"
#include "harness/results/test_summary.h"
#include "harness/runner/runner.h"
#include "harness/runner/suite_run.h"
#include "harness/slo/metric_registry.h"
#include "harness/suite/suite_loader.h"
#include "tests/integration/collective_test_helpers.h"
#include "tests/integration/runner_helpers.h"

namespace fabcheck {
namespace {

using patterns::CollectiveAlgorithm;
using patterns::CollectiveKind;
using testing::collectiveTest;
using testing::localRun;

std::vector<int> firstAgents(int n) {
  std::vector<int> v;
  for (int i = 0; i < n; ++i) v.push_back(i);
  return v;
}

TEST(RunnerCollective, EveryKindAndAlgorithmRunsOverLocalAgents) {
  std::vector<model::TestSpec> tests;
  tests.push_back(collectiveTest("all_reduce ring", CollectiveKind::kAllReduce, CollectiveAlgorithm::kRing, 256 << 10, firstAgents(4)));
  tests.back().collective->params.channels = 2;
  tests.push_back(collectiveTest("all_reduce tree", CollectiveKind::kAllReduce, CollectiveAlgorithm::kTree, 192 << 10, firstAgents(5)));
  tests.back().collective->params.chunk_bytes = 16 << 10;
  tests.push_back(collectiveTest("all_reduce rhd", CollectiveKind::kAllReduce, CollectiveAlgorithm::kRecHalvingDoubling, 240 << 10,
                                 firstAgents(6)));
  tests.push_back(collectiveTest("reduce_scatter", CollectiveKind::kReduceScatter, CollectiveAlgorithm::kRing, 256 << 10, firstAgents(4)));
  tests.back().collective->params.payload_check = true;
  tests.push_back(collectiveTest("all_gather", CollectiveKind::kAllGather, CollectiveAlgorithm::kRing, 256 << 10, firstAgents(8)));
  tests.push_back(collectiveTest("all_to_all pairwise", CollectiveKind::kAllToAll, CollectiveAlgorithm::kPairwise, 512 << 10,
                                 firstAgents(8)));
  tests.push_back(collectiveTest("all_to_all at once", CollectiveKind::kAllToAll, CollectiveAlgorithm::kAllAtOnce, 256 << 10,
                                 {3, 1, 0, 2}));  // ranks need not follow agent ids
  tests.push_back(collectiveTest("broadcast", CollectiveKind::kBroadcast, CollectiveAlgorithm::kRing, 256 << 10, firstAgents(4)));
  tests.back().collective->params.root = 2;
  tests.back().collective->params.chunk_bytes = 32 << 10;
  RunResult r = Runner(localRun(8)).run(tests);
  ASSERT_EQ(r.tests.size(), tests.size());
  for (const auto& t : r.tests) {
    SCOPED_TRACE(t.name);
    ASSERT_NO_FATAL_FAILURE(testing::expectCollectiveComplete(t));
    EXPECT_EQ(t.collective.rank_agents, t.spec.agents);
    // Reported as nccl-tests does.
    const auto j = results::summarizeTest(t, r.agents);
    EXPECT_EQ(j.at("pattern"), "collective");
    const auto m = slo::flattenMetrics(j);
    ASSERT_TRUE(m.count("collective.busbw_gbytes_s")) << j.dump();
    const double s = static_cast<double>(t.spec.collective->params.size_bytes);
    EXPECT_GT(m.at("collective.time_us"), 0);
    EXPECT_NEAR(m.at("collective.algbw_gbytes_s"), s / (m.at("collective.time_us") * 1e3), 1e-9);
    const double factor = patterns::busbwFactor(t.spec.collective->params.kind, static_cast<int>(t.collective.rank_agents.size()));
    EXPECT_NEAR(m.at("collective.busbw_gbytes_s"), m.at("collective.algbw_gbytes_s") * factor, 1e-9);
    EXPECT_LE(m.at("collective.p50_us"), m.at("collective.p99_us"));
    EXPECT_EQ(m.at("collective.sizes"), 1);
    EXPECT_FALSE(m.count("throughput_gbps")) << "no stream metrics on a collective";
    EXPECT_EQ(j.at("collective").at("ranks_of").size(), t.collective.rank_agents.size());
    EXPECT_EQ(j.at("collective").at("sizes").at(0).at("per_rank").size(), t.collective.rank_agents.size());
  }
  EXPECT_EQ(r.tests[3].collective.rounds[0].ranks[0].corrupted_bytes, 0u) << "payload checked, nothing corrupted";
  // The algorithm each report names is what the ranks' executors ran, not the suite's spelling.
  const char* ran[] = {"ring", "tree", "rec_halving_doubling_folded", "ring", "ring", "pairwise", "all_at_once", "pipeline"};
  for (size_t i = 0; i < r.tests.size(); ++i) {
    const auto j = results::summarizeTest(r.tests[i], r.agents);
    EXPECT_EQ(j.at("collective").at("algorithm"), ran[i]) << r.tests[i].name;
    EXPECT_EQ(j.at("collective").at("algorithm_requested"), patterns::toString(r.tests[i].spec.collective->params.algorithm));
  }
}

// A suite through runSuite() (as `fabcheck run`): with fabric.line_rate_gbps the JCT ratio is
// line rate / busbw; a line rate far below what loopback carries makes busbw a misreading: the
// test is an error naming it, an SLO on busbw an error (never a pass), the exit code 3.
const char* kLineRateSuite = R"(name: jct
fabric: {transport: udp, line_rate_gbps: RATE}
tests:
  - name: ar
    pattern: all_reduce
    agents: 3
    size: 48KiB
    iterations: 3
    warmup_iterations: 1
    slos:
      - collective.busbw_gbps > 0
      - collective.sizes == 1
)";

suite::Suite lineRateSuite(const std::string& rate) {
  std::string text = kLineRateSuite;
  text.replace(text.find("RATE"), 4, rate);
  return suite::parseSuite(text, "jct.yaml");
}

TEST(RunnerCollective, TheJctRatioIsAgainstTheLineRateAndBusbwAboveItIsAMisreading) {
  SuiteRunOptions opts;
  opts.run = localRun(3);
  const SuiteRunResult fine = runSuite(lineRateSuite("1000"), opts, {});
  ASSERT_EQ(fine.tests.size(), 1u);
  const auto& rec = fine.tests[0];
  ASSERT_EQ(rec.at("verdict"), "pass") << rec.dump();
  const double busbw = rec.at("metrics").at("collective").at("busbw_gbytes_s");
  EXPECT_NEAR(rec.at("metrics").at("collective").at("jct_ratio").get<double>(), 1000 / (8 * busbw), 1e-6);
  EXPECT_EQ(rec.at("collective").at("line_rate").at("source"), "fabric.line_rate_gbps");
  EXPECT_EQ(rec.at("slos").at(0).at("metric"), "collective.busbw_gbytes_s") << "the old name reads the new metric";

  const SuiteRunResult misread = runSuite(lineRateSuite("0.001"), opts, {});  // 1 Mbit/s: loopback is faster
  ASSERT_EQ(misread.tests.size(), 1u);
  const auto& bad = misread.tests[0];
  EXPECT_EQ(bad.at("verdict"), "error") << bad.dump();
  EXPECT_EQ(misread.exit_code, 3);
  const std::string error = bad.at("error");
  EXPECT_NE(error.find("size 49152 B: busbw "), std::string::npos) << error;
  EXPECT_NE(error.find("is above the line rate of 0.001 Gbit/s"), std::string::npos) << error;
  EXPECT_NE(error.find("loopback"), std::string::npos) << error;
  EXPECT_EQ(bad.at("slos").at(0).at("verdict"), "error") << "busbw is no result: its SLO is not passed";
  EXPECT_EQ(bad.at("slos").at(1).at("verdict"), "pass") << "what is still a result is judged";
  EXPECT_FALSE(bad.at("metrics").at("collective").contains("busbw_gbytes_s"));
}

TEST(RunnerCollective, ASweepRunsEverySizeAndABadSizeIsRefusedBeforeRunning) {
  auto sweep = collectiveTest("sweep", CollectiveKind::kAllReduce, CollectiveAlgorithm::kRing, 64 << 10, firstAgents(4));
  sweep.collective->sizes = {64 << 10, 128 << 10, 256 << 10};
  auto bad = collectiveTest("bad size", CollectiveKind::kAllToAll, CollectiveAlgorithm::kPairwise, 3, firstAgents(4));
  auto after = collectiveTest("after", CollectiveKind::kAllGather, CollectiveAlgorithm::kRing, 4099, {0, 1, 2});
  RunResult r = Runner(localRun(4)).run({sweep, bad, after});
  ASSERT_EQ(r.tests.size(), 3u);
  ASSERT_NO_FATAL_FAILURE(testing::expectCollectiveComplete(r.tests[0]));
  EXPECT_EQ(r.tests[0].rounds, 3);
  const auto j = results::summarizeTest(r.tests[0], r.agents);
  const auto& sizes = j.at("collective").at("sizes");
  ASSERT_EQ(sizes.size(), 3u);
  double sum = 0;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(sizes.at(i).at("size_bytes"), (64u << 10) << i);
    sum += sizes.at(i).at("busbw_gbytes_s").get<double>();
  }
  const auto m = slo::flattenMetrics(j);
  EXPECT_NEAR(m.at("collective.avg_busbw_gbytes_s"), sum / 3, 1e-9);
  EXPECT_DOUBLE_EQ(m.at("collective.busbw_gbytes_s"), sizes.at(2).at("busbw_gbytes_s").get<double>());
  EXPECT_EQ(m.at("collective.sizes"), 3);
  // S of an all-to-all is rounded down to a multiple of the ranks (as nccl-tests); below one
  // byte per rank it cannot run: refused with the numbers, nothing ran.
  EXPECT_NE(r.tests[1].error.find("test 'bad size': size 3 B on 4 ranks: "), std::string::npos) << r.tests[1].error;
  EXPECT_NE(r.tests[1].error.find("multiple of"), std::string::npos) << r.tests[1].error;
  EXPECT_EQ(r.tests[1].rounds, 0);
  ASSERT_EQ(r.tests[2].error, "");
  ASSERT_EQ(r.tests[2].collective.rounds.size(), 1u);
  EXPECT_EQ(r.tests[2].collective.rounds[0].size_bytes, 4098u) << "4099 rounded down to a multiple of 3 ranks";
  EXPECT_EQ(r.tests[2].collective.rounds[0].ranks.at(0).size_bytes, 4098u);
}

TEST(RunnerCollective, AnAgentsRateLimitRefusesAnUnpacedCollectiveAndRunsAPacedOne) {
  auto unpaced = collectiveTest("unpaced", CollectiveKind::kAllReduce, CollectiveAlgorithm::kRing, 64 << 10, firstAgents(3));
  unpaced.collective->params.size_bytes = 60 << 10;
  auto paced = unpaced;
  paced.name = "paced";
  paced.collective->link_rate_bps = 50e6;  // one outgoing link per rank in a ring: 50 Mbit/s each
  RunResult r = Runner(localRun(3, {"--max-rate", "100Mbit"})).run({unpaced, paced});
  ASSERT_EQ(r.tests.size(), 2u);
  EXPECT_NE(r.tests[0].error.find("refuses the plan: the plan sends at an unlimited rate"), std::string::npos) << r.tests[0].error;
  ASSERT_NO_FATAL_FAILURE(testing::expectCollectiveComplete(r.tests[1]));
  for (const auto& a : r.agents) EXPECT_FALSE(a.lost) << "a refusal loses no agent";
  // Paced: no link ran faster than its pace (with a little slack for the first burst).
  for (const auto& x : r.tests[1].collective.rounds[0].ranks) {
    for (const auto& l : x.links) {
      if (!l.outgoing || l.busy_ns <= 0) continue;
      EXPECT_LT(static_cast<double>(l.bytes) * 8 / static_cast<double>(l.busy_ns), 0.06) << "rank " << x.rank;
    }
  }
}

TEST(RunnerCollective, AProbeMeasuresLatencyIdleThenUnderTheCollective) {
  auto t = collectiveTest("all_reduce under a probe", CollectiveKind::kAllReduce, CollectiveAlgorithm::kRing, 8 << 20,
                          firstAgents(4));
  t.collective->params.iterations = 5;
  t.probe = model::ProbeSpec{};
  t.probe->params.kind = patterns::PatternKind::kPingpong;
  t.probe->params.size_bytes = 64;
  t.probe->from = 0;
  t.probe->to = 2;
  t.probe->dscp = 46;
  t.probe->idle_duration_ns = 200'000'000;
  RunResult r = Runner(localRun(4)).run({t});
  ASSERT_EQ(r.tests.size(), 1u);
  const auto& o = r.tests[0];
  ASSERT_NO_FATAL_FAILURE(testing::expectCollectiveComplete(o));
  // The probe: its own flow after the collective's links, agent 0 → agent 2.
  const auto& pf = o.plan.flows.back();
  EXPECT_EQ(pf.role, patterns::FlowRole::kPingpong);
  EXPECT_EQ(pf.sender, 0);
  EXPECT_EQ(pf.receiver, 2);
  ASSERT_EQ(o.probe.idle_pingpongs.size(), 1u);
  ASSERT_EQ(o.pingpongs.size(), 1u);
  EXPECT_GE(o.probe.idle_pingpongs[0].measured_ns, 200'000'000);
  EXPECT_GT(o.pingpongs[0].measured, 0u) << "round trips while the collective ran";
  EXPECT_EQ(o.pingpongs[0].error, "");
  // It ran only while the ranks did: stopped at "finish", long before its 60 s bound.
  int64_t slowest_rank_ns = 0;
  for (const auto& x : o.collective.rounds[0].ranks) {
    int64_t sum = 0;
    for (int64_t ns : x.iteration_ns) sum += ns;
    slowest_rank_ns = std::max(slowest_rank_ns, sum);
  }
  EXPECT_LT(o.pingpongs[0].measured_ns, 30'000'000'000);
  EXPECT_GE(o.pingpongs[0].measured_ns, slowest_rank_ns / 2) << "it covered the collective's measured iterations";
  ASSERT_EQ(o.responders.size(), 1u);
  EXPECT_EQ(o.responders[0].dscp_seen, 46);
  const auto m = slo::flattenMetrics(results::summarizeTest(o, r.agents));
  EXPECT_GT(m.at("latency_us.p99"), 0);
  EXPECT_GT(m.at("idle_latency_us.p99"), 0);
  EXPECT_TRUE(m.count("latency_increase_us.p99"));
  EXPECT_GT(m.at("collective.busbw_gbytes_s"), 0);
}

}  // namespace
}  // namespace fabcheck
