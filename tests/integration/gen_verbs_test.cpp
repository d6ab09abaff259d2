// `fabcheck gen --transport verbs` end to end on the software verbs device (this host has no RDMA
// NIC): a real server and real clients sharing one software fabric through
// FABCHECK_VERBS_SOFTWARE. Two-sided SEND and WRITE WITH IMMEDIATE on several QPs, one-sided
// WRITE and READ measured at the initiator, pingpong over UD, the perftest-shaped table, and the
// caveat that these figures are not performance on every output.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/integration/gen_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace fabcheck {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::GenServer;

class GenVerbs : public ::testing::Test {
 protected:
  // Server and clients inherit the software fabric's directory.
  void SetUp() override { ::setenv("FABCHECK_VERBS_SOFTWARE", dir_.path().c_str(), 1); }
  void TearDown() override { ::unsetenv("FABCHECK_VERBS_SOFTWARE"); }

  testing::RunResult client(const GenServer& s, std::vector<std::string> args) {
    std::vector<std::string> argv{testing::kFabcheckBin, "gen", "--client", "127.0.0.1", "--port", s.port(),
                                  "--transport", "verbs"};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::run(argv, 60s);
  }
  json clientJson(const GenServer& s, std::vector<std::string> args) {
    args.push_back("--json");
    const auto r = client(s, std::move(args));
    EXPECT_EQ(r.status.code, 0) << r.out << r.err;
    try {
      return json::parse(r.out);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not JSON: " << e.what() << "\n" << r.out << r.err;
      return json::object();
    }
  }
  testing::TempDir dir_;
};

void expectNotPerformance(const json& j) {
  EXPECT_NE(j.value("caveat", "").find("not performance"), std::string::npos) << j.dump();
}

TEST_F(GenVerbs, TwoSidedStreamsOverSendAndWriteImmDeliverEveryMessage) {
  GenServer s("127.0.0.1", {"--transport", "verbs"});
  for (const char* verb : {"send", "write_imm"}) {
    SCOPED_TRACE(verb);
    json j = clientJson(s, {"--verb", verb, "-q", "2", "--size", "4096", "--duration", "500ms"});
    EXPECT_GT(j.at("sent_packets").get<uint64_t>(), 0u);
    EXPECT_EQ(j.at("received_packets"), j.at("sent_packets")) << "RC loses nothing";
    EXPECT_EQ(j.at("lost_packets"), 0);
    expectNotPerformance(j);
  }
}

TEST_F(GenVerbs, OneSidedWriteAndReadAreMeasuredAtTheInitiator) {
  GenServer s("127.0.0.1", {"--transport", "verbs"});
  for (const char* verb : {"write", "read"}) {
    SCOPED_TRACE(verb);
    json j = clientJson(s, {"--verb", verb, "--size", "65536", "--duration", "500ms"});
    EXPECT_EQ(j.at("measured_at"), "initiator");
    EXPECT_EQ(j.at("verb"), verb);
    EXPECT_GT(j.at("sent_packets").get<uint64_t>(), 0u);
    EXPECT_GT(j.at("throughput_gbps").get<double>(), 0.0);
    expectNotPerformance(j);
  }
}

TEST_F(GenVerbs, PingpongOverUdAndThePerftestTable) {
  GenServer s("127.0.0.1", {"--transport", "verbs"});
  json j = clientJson(s, {"--connection", "ud", "--pattern", "pingpong", "--size", "64", "--iterations", "300"});
  EXPECT_EQ(j.at("iterations"), 300);
  EXPECT_LE(j.at("latency_us").at("min").get<double>(), j.at("latency_us").at("p50").get<double>());
  expectNotPerformance(j);
  const auto table = client(s, {"--verb", "write", "--size", "65536", "--duration", "300ms"});
  EXPECT_EQ(table.status.code, 0) << table.err;
  EXPECT_NE(table.out.find("#bytes     #iterations    BW peak[MB/sec]    BW average[MB/sec]"), std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("not performance"), std::string::npos) << table.out;
  const auto lat = client(s, {"--pattern", "pingpong", "--size", "64", "--iterations", "200"});
  EXPECT_NE(lat.out.find("t_typical[usec]"), std::string::npos) << lat.out;
}

}  // namespace
}  // namespace fabcheck
