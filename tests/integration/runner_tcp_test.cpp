// Every pattern over `transport: tcp` through real runs of local agents, and `fabcheck gen
// --transport tcp` as processes: streams, pingpong and a ring all-reduce that rides on TCP's own
// reliability (no retransmission layer of fabcheck's), with the kernel's TCP facts (TCP_INFO)
// in the results and the report.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness/results/test_summary.h"
#include "harness/runner/runner.h"
#include "tests/integration/collective_test_helpers.h"
#include "tests/integration/gen_server.h"
#include "tests/integration/runner_helpers.h"
#include "tests/support/subprocess.h"

namespace fabcheck {
namespace {

using testing::localRun;
using testing::streamTest;

model::TestSpec overTcp(model::TestSpec t) {
  t.transport = "tcp";
  return t;
}

// The summary's "tcp" object: one entry per connection that sent, with counts that add up.
void expectTcpFacts(const nlohmann::json& tcp, size_t connections) {
  ASSERT_TRUE(tcp.is_object()) << tcp.dump();
  EXPECT_EQ(tcp.at("connections").get<size_t>(), connections) << tcp.dump();
  EXPECT_GT(tcp.at("segments_sent").get<uint64_t>(), 0u);
  EXPECT_LE(tcp.at("retransmitted_segments").get<uint64_t>(), tcp.at("segments_sent").get<uint64_t>());
  EXPECT_EQ(tcp.at("loss_retransmissions").get<uint64_t>() + tcp.at("spurious_retransmissions").get<uint64_t>(),
            std::max(tcp.at("retransmitted_segments").get<uint64_t>(), tcp.at("spurious_retransmissions").get<uint64_t>()));
  EXPECT_GT(tcp.at("rtt_us").at("max").get<double>(), 0.0);
}

TEST(RunnerTcp, StreamsPingpongAndARingAllReduceRunOverTcp) {
  auto ring = overTcp(streamTest("tcp ring", patterns::Placement::kRing, 0));
  ring.params.size_bytes = 64 << 10;
  model::TestSpec ping;
  ping.name = "tcp pingpong";
  ping.placement = patterns::Placement::kPairs;
  ping.params.kind = patterns::PatternKind::kPingpong;
  ping.params.size_bytes = 64;
  ping.params.iterations = 200;
  ping = overTcp(ping);
  auto allreduce = overTcp(testing::collectiveTest("all_reduce over tcp", patterns::CollectiveKind::kAllReduce,
                                                   patterns::CollectiveAlgorithm::kRing, 1 << 20, {0, 1, 2, 3}));
  RunResult r = Runner(localRun(4)).run({ring, ping, allreduce});
  ASSERT_EQ(r.tests.size(), 3u);
  testing::expectEveryFlowDelivered(r.tests[0], 4);
  for (const auto& s : r.tests[0].senders) ASSERT_TRUE(s.tcp.has_value()) << "flow " << s.flow_id;
  const auto stream = results::summarizeTest(r.tests[0], r.agents);
  expectTcpFacts(stream.at("metrics").at("tcp"), 4);
  EXPECT_TRUE(stream.at("metrics").at("per_flow").at(0).contains("tcp")) << "each flow says its own retransmissions";

  EXPECT_EQ(r.tests[1].error, "");
  ASSERT_EQ(r.tests[1].pingpongs.size(), 2u);
  for (const auto& p : r.tests[1].pingpongs) EXPECT_EQ(p.measured, 200u);
  expectTcpFacts(results::summarizeTest(r.tests[1], r.agents).at("metrics").at("tcp"), 4);  // both ends of 2 pairs

  ASSERT_NO_FATAL_FAILURE(testing::expectCollectiveComplete(r.tests[2]));
  size_t links = 0;
  for (const auto& round : r.tests[2].collective.rounds) {
    for (const auto& rank : round.ranks) {
      EXPECT_EQ(rank.retransmissions, 0u) << "tcp retransmits, not fabcheck";
      EXPECT_EQ(rank.timeouts, 0u);
      for (const auto& l : rank.links) links += l.outgoing && l.tcp ? 1 : 0;
    }
  }
  EXPECT_GT(links, 0u);
  const auto col = results::summarizeTest(r.tests[2], r.agents);
  expectTcpFacts(col.at("metrics").at("tcp"), links);
}

TEST(GenTcp, StreamAndPingpongProcessesReportTcpFacts) {
  using namespace std::chrono_literals;
  testing::GenServer s;
  for (const char* pattern : {"stream", "pingpong"}) {
    const auto r = testing::run({testing::kFabcheckBin, "gen", "--client", "127.0.0.1", "--port", s.port(), "--transport", "tcp",
                                 "--pattern", pattern, "--size", "4096", "-n", "500", "--json"},
                                60s);
    ASSERT_EQ(r.status.code, 0) << r.out << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j.at("lost_packets").get<uint64_t>(), 0u) << pattern;
    EXPECT_GT(j.at("received_packets").get<uint64_t>(), 0u) << pattern;
    ASSERT_TRUE(j.contains("tcp")) << pattern << ": " << r.out;
    EXPECT_GT(j.at("tcp").at("segments_sent").get<uint64_t>(), 0u);
  }
}

}  // namespace
}  // namespace fabcheck
