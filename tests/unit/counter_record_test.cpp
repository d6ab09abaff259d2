// A test record keeps the counters that moved, once per counted host, and every absent metric
// once per reason; whole snapshots only when the suite asks.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness/results/counter_record.h"
#include "harness/results/counted_hosts.h"
#include "harness/suite/suite_loader.h"

namespace fabcheck::results {
namespace {

using nlohmann::json;

json hostCounters(double drops, const std::string& netns) {
  return {{"netns", netns},
          {"metrics", {{"host.socket_drops", drops}, {"host.rx_packets", 10.0}, {"host.rx_errors", 0.0}}},
          {"missing", {{"nic.discards", "ethtool unavailable: lo"}, {"rdma.tx_bytes", "infiniband unavailable"}}},
          {"sources",
           {{{"source", "snmp"},
             {"interval_ns", 5},
             {"counters", {{{"name", "Udp.RcvbufErrors"}, {"labels", json::object()}, {"delta", drops}},
                           {{"name", "Udp.InErrors"}, {"labels", json::object()}, {"delta", 0}},
                           {{"name", "Udp.NoPorts"}, {"labels", json::object()}, {"status", "wrapped"}}}}},
            {{"source", "infiniband"}, {"interval_ns", 5}, {"unavailable_reason", "no RDMA device"}, {"counters", json::array()}},
            {{"source", "netdev"}, {"interval_ns", 5}, {"counters", {{{"name", "rx_errors"}, {"labels", json::object()}, {"delta", 0}}}}}}}};
}

model::TestOutcome outcome() {
  model::TestOutcome t;
  t.host_counters[0] = hostCounters(3, "ns-a");
  t.host_counters[1] = hostCounters(3, "ns-a");  // same machine and namespace as agent 0
  t.host_counters[2] = hostCounters(0, "ns-b");
  return t;
}

std::vector<model::AgentInfo> agents() {
  std::vector<model::AgentInfo> a(3);
  for (auto& x : a) x.host = "n1";
  return a;
}

TEST(CounterRecord, OnlyWhatMovedOncePerCountedHost) {
  const auto t = outcome();
  const json r = counterRecord(t, countedHosts(t, agents()), false);
  ASSERT_EQ(r["hosts"].size(), 2u) << r.dump();
  const json& a = r["hosts"][0];
  EXPECT_EQ(a["agents"], json::array({0, 1})) << "agent 1 reads agent 0's counters";
  EXPECT_EQ(a["metrics"], json({{"host.socket_drops", 3.0}, {"host.rx_packets", 10.0}})) << "zeros dropped";
  ASSERT_EQ(a["sources"].size(), 2u) << a["sources"].dump();
  EXPECT_EQ(a["sources"][0]["counters"].size(), 2u) << "the delta 3 and the wrapped one; the 0 dropped";
  EXPECT_EQ(a["sources"][1]["unavailable_reason"], "no RDMA device") << "a source that says why stays";
  EXPECT_FALSE(a.contains("missing"));
  EXPECT_EQ(r["hosts"][1]["metrics"], json({{"host.rx_packets", 10.0}}));
  EXPECT_EQ(r["missing"]["ethtool unavailable: lo"]["metrics"], json::array({"nic.discards"}));
  EXPECT_EQ(r["missing"]["ethtool unavailable: lo"]["hosts"].size(), 2u) << r["missing"].dump();
  EXPECT_FALSE(r.contains("agents"));
  EXPECT_TRUE(r["fabric"].is_null());
}

TEST(CounterRecord, FullSnapshotsKeepEveryAgentWhole) {
  const auto t = outcome();
  const json r = counterRecord(t, countedHosts(t, agents()), true);
  ASSERT_EQ(r["agents"].size(), 3u);
  EXPECT_EQ(r["agents"]["1"], t.host_counters.at(1));
}

TEST(CounterRecord, TheSuiteAsksForFullSnapshots) {
  const char* text = R"(name: s
tests:
  - name: a
    pattern: stream
    counters: {snapshots: full}
  - name: b
    pattern: stream
)";
  const auto s = suite::parseSuite(text, "s.yaml");
  EXPECT_TRUE(s.tests[0].spec.counters.full_snapshots);
  EXPECT_FALSE(s.tests[1].spec.counters.full_snapshots);
  try {
    suite::parseSuite(std::string(text).replace(std::string(text).find("full"), 4, "all"), "s.yaml");
    FAIL() << "snapshots: all accepted";
  } catch (const suite::SuiteError& e) {
    EXPECT_NE(std::string(e.what()).find("s.yaml:5:27: counters.snapshots 'all': expected one of"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fabcheck::results
