// `fabcheck gen` end to end: a real server process and a real client process on loopback.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/integration/gen_server.h"
#include "tests/support/subprocess.h"

namespace fabcheck {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::GenServer;
using testing::Subprocess;

const std::string& kBin = testing::kFabcheckBin;

testing::RunResult client(const GenServer& s, std::vector<std::string> args, const std::string& host = "127.0.0.1") {
  std::vector<std::string> argv{kBin, "gen", "--client", host, "--port", s.port()};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run(argv, 60s);
}

json parseJson(const testing::RunResult& r) {
  EXPECT_EQ(r.status.code, 0) << r.err;
  try {
    return json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON: " << e.what() << "\n" << r.out << r.err;
    return json::object();
  }
}

// Every message is accounted for exactly once, whatever the loss.
void expectAccountingBalances(const json& j) {
  EXPECT_GT(j.at("sent_packets").get<uint64_t>(), 0u);
  EXPECT_EQ(j.at("received_packets").get<uint64_t>() + j.at("lost_packets").get<uint64_t>(),
            j.at("sent_packets").get<uint64_t>());
  EXPECT_EQ(j.at("malformed_packets").get<uint64_t>(), 0u);
  EXPECT_EQ(j.at("corrupted_packets").get<uint64_t>(), 0u);
}

TEST(Gen, StreamJsonHasTheDocumentedFieldsAndBalances) {
  GenServer s;
  json j = parseJson(client(s, {"--pattern", "stream", "--size", "1400", "--duration", "1s", "--json"}));
  for (const char* key : {"pattern", "size_bytes", "duration_s", "sent_packets", "received_packets", "lost_packets",
                          "reordered_packets", "duplicate_packets", "throughput_gbps", "packet_rate_mpps"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j.at("pattern"), "stream");
  EXPECT_EQ(j.at("size_bytes"), 1400);
  EXPECT_NEAR(j.at("duration_s").get<double>(), 1.0, 0.2);
  EXPECT_GT(j.at("throughput_gbps").get<double>(), 0.0);
  expectAccountingBalances(j);
  EXPECT_EQ(j.at("per_flow").size(), 1u);
  EXPECT_FALSE(j.at("intervals").empty());
}

TEST(Gen, PacedStreamsAreLossFreeAndHitTheirRate) {
  GenServer s;
  // 2 flows at 50 Mbit/s in total: far below what loopback carries, so nothing may be lost.
  json j = parseJson(client(s, {"--pattern", "stream", "--flows", "2", "--rate", "50Mbit/s", "--duration", "1s",
                                "--payload-check", "--json"}));
  expectAccountingBalances(j);
  EXPECT_EQ(j.at("lost_packets"), 0);
  EXPECT_EQ(j.at("per_flow").size(), 2u);
  EXPECT_NEAR(j.at("target_gbps").get<double>(), 0.05, 1e-9);
  EXPECT_NEAR(j.at("offered_gbps").get<double>(), 0.05, 0.05 * 0.05);
}

TEST(Gen, BidirectionalStreamRunsFlowsBothWays) {
  GenServer s;
  json j = parseJson(client(s, {"--pattern", "stream", "--bidir", "--rate", "20M", "--duration", "500ms", "--json"}));
  expectAccountingBalances(j);
  ASSERT_EQ(j.at("per_flow").size(), 2u);
  EXPECT_EQ(j.at("per_flow")[0].at("direction"), "client-to-server");
  EXPECT_EQ(j.at("per_flow")[1].at("direction"), "server-to-client");
  EXPECT_GT(j.at("per_flow")[1].at("received_packets").get<uint64_t>(), 0u);
}

TEST(Gen, PingpongReportsOrderedLatencyPercentiles) {
  GenServer s;
  json j = parseJson(client(s, {"--pattern", "pingpong", "--size", "64", "--iterations", "500", "--json"}));
  EXPECT_EQ(j.at("iterations"), 500);
  const json& l = j.at("latency_us");
  for (const char* key : {"min", "p50", "p99", "p999", "max"}) ASSERT_TRUE(l.contains(key)) << key;
  EXPECT_GT(l.at("min").get<double>(), 0.0);
  EXPECT_LE(l.at("min").get<double>(), l.at("p50").get<double>());
  EXPECT_LE(l.at("p50").get<double>(), l.at("p99").get<double>());
  EXPECT_LE(l.at("p99").get<double>(), l.at("p999").get<double>());
  EXPECT_LE(l.at("p999").get<double>(), l.at("max").get<double>() * 1.001);
  EXPECT_EQ(j.at("lost_packets"), 0);
  // Same host, same kernel: one-way latency is known and below the round trip.
  EXPECT_TRUE(j.at("same_clock").get<bool>());
  ASSERT_TRUE(j.contains("one_way_latency_us"));
  EXPECT_LT(j.at("one_way_latency_us").at("p50").get<double>(), l.at("p50").get<double>() * 1.5);
}

TEST(Gen, SweepRunsOneTestPerSize) {
  GenServer s;
  json j = parseJson(client(s, {"--pattern", "pingpong", "--sweep", "64:1024:4", "--iterations", "100", "--json"}));
  ASSERT_TRUE(j.contains("sweep"));
  ASSERT_EQ(j.at("sweep").size(), 3u);
  EXPECT_EQ(j.at("sweep")[0].at("size_bytes"), 64);
  EXPECT_EQ(j.at("sweep")[1].at("size_bytes"), 256);
  EXPECT_EQ(j.at("sweep")[2].at("size_bytes"), 1024);
}

TEST(Gen, MicroburstCountsBurstsAndTheirSpread) {
  GenServer s;
  json j = parseJson(client(s, {"--pattern", "microburst", "--size", "1000", "--burst", "10000", "--interval", "10ms",
                                "--duration", "500ms", "--json"}));
  expectAccountingBalances(j);
  const auto sent = j.at("bursts_sent").get<uint64_t>();
  EXPECT_GE(sent, 45u);  // 500 ms / 10 ms, give or take the edges
  EXPECT_LE(sent, 52u);
  EXPECT_EQ(j.at("bursts_received").get<uint64_t>(), sent);
  EXPECT_EQ(j.at("received_packets").get<uint64_t>(), sent * 10);  // 10 messages per burst, none lost
  ASSERT_TRUE(j.contains("burst_spread_us"));
  EXPECT_GE(j.at("burst_spread_us").at("max").get<double>(), 0.0);
}

TEST(Gen, DscpIsCarriedAndEcnCeIsCounted) {
  GenServer s;
  json j = parseJson(client(s, {"--pattern", "stream", "--rate", "10M", "--duration", "300ms", "--dscp", "46",
                                "--ecn", "3", "--json"}));
  EXPECT_EQ(j.at("dscp_received"), 46);
  EXPECT_EQ(j.at("ce_marked_packets"), j.at("received_packets"));
}

TEST(Gen, WorksOverIpv6Loopback) {
  GenServer s("::1");
  json j = parseJson(client(s, {"--pattern", "stream", "--rate", "10M", "--duration", "300ms", "--json"}, "::1"));
  expectAccountingBalances(j);
}

TEST(Gen, PrintsAPerftestStyleTable) {
  GenServer s;
  auto r = client(s, {"--pattern", "pingpong", "--iterations", "200"});
  ASSERT_EQ(r.status.code, 0) << r.err;
  EXPECT_NE(r.out.find("#bytes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("t_min[us]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("p99.9[us]"), std::string::npos) << r.out;
  auto r2 = client(s, {"--pattern", "stream", "--duration", "300ms"});
  ASSERT_EQ(r2.status.code, 0) << r2.err;
  EXPECT_NE(r2.out.find("BW average[Gb/s]"), std::string::npos) << r2.out;
  EXPECT_NE(r2.out.find("MsgRate[Mpps]"), std::string::npos) << r2.out;
}

TEST(Gen, WithoutSegmentationOffloadStillBalances) {
  GenServer s;
  json j = parseJson(client(s, {"--pattern", "stream", "--no-gso", "--no-gro", "--rate", "100M", "--duration",
                                "300ms", "--json"}));
  expectAccountingBalances(j);
  EXPECT_EQ(j.at("lost_packets"), 0);
}

TEST(Gen, InterruptKeepsTheSizesThatFinished) {
  GenServer s;
  Subprocess c = Subprocess::start({kBin, "gen", "--client", "127.0.0.1", "--port", s.port(), "--pattern", "stream",
                                    "--sweep", "64:4096", "--duration", "1s"});
  ASSERT_TRUE(c.waitForStdout("MsgRate", 20s)) << c.err();
  // The header is printed with the first finished size; interrupt during the second.
  ASSERT_TRUE(c.waitForStdout("\n       64 ", 20s)) << c.out();
  c.signal(SIGINT);
  auto st = c.waitExit(20s);
  EXPECT_FALSE(st.timed_out);
  EXPECT_EQ(st.code, 1);
  EXPECT_NE(c.err().find("interrupted"), std::string::npos) << c.err();
}

}  // namespace
}  // namespace fabcheck

namespace fabcheck {
namespace {

TEST(Gen, DataSocketsHonourInterfaceAndSourceAddress) {
  testing::GenServer s("127.0.0.1", {"--interface", "lo"});
  json j = parseJson(client(s, {"--pattern", "stream", "--rate", "10M", "--duration", "300ms", "--interface", "lo",
                                "--bind", "127.0.0.1", "--json"}));
  expectAccountingBalances(j);
  EXPECT_EQ(j.at("lost_packets"), 0);
  // The server takes data only from its authenticated client's address: another source is refused up front.
  auto other = client(s, {"--pattern", "stream", "--rate", "10M", "--duration", "300ms", "--bind", "127.0.0.2"});
  EXPECT_EQ(other.status.code, 2) << other.err;
  EXPECT_NE(other.err.find("--bind 127.0.0.2: the server takes data only from the address our control connection "
                           "comes from (127.0.0.1)"),
            std::string::npos)
      << other.err;
}

}  // namespace
}  // namespace fabcheck
