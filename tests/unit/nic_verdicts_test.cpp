// The NIC verdicts in a test's record (harness/results/nic_verdicts.h), through summarizeTest as
// the runner calls it, and the SLOs that read them.
#include <gtest/gtest.h>

#include "harness/counters/counter_series.h"
#include "harness/results/test_summary.h"
#include "harness/slo/metric_registry.h"
#include "harness/slo/verdict.h"

namespace fabcheck::results {
namespace {

using nlohmann::json;
constexpr int64_t kMs = 1'000'000;

std::vector<model::AgentInfo> agents() {
  std::vector<model::AgentInfo> a(2);
  for (int i = 0; i < 2; ++i) {
    a[static_cast<size_t>(i)].id = i;
    a[static_cast<size_t>(i)].host = "h" + std::to_string(i + 1);
  }
  return a;
}

// An agent's counters object as CountersAround::end() gives it, with an ethtool series of
// priority 3 pause durations (µs, cumulative) at 100 ms samples and nothing sent on it.
json hostCounters(const std::string& host, std::vector<uint64_t> pause_us, double discards) {
  counters::CounterSeries s{.source = "ethtool"};
  const counters::Labels nic{{"host", host}, {"dev", "eth0"}};
  for (size_t i = 0; i < pause_us.size(); ++i) {
    counters::CounterSnapshot snap{.taken_mono_ns = static_cast<int64_t>(i) * 100 * kMs};
    snap.samples.push_back({.name = "rx_prio3_pause_duration", .labels = nic, .value = pause_us[i]});
    snap.samples.push_back({.name = "rx_prio3_pause", .labels = nic, .value = pause_us[i] / 100});
    snap.samples.push_back({.name = "tx_prio3_packets", .labels = nic, .value = 10});
    counters::appendSample(s, snap, {});
  }
  json c = {{"netns", "net:[1]"},
            {"metrics", {{"nic.discards", discards}, {"nic.rdma.out_of_sequence", 0}}},
            {"missing", json::object()},
            {"series", {{"interval_ns", 100 * kMs}, {"sources", json::array({counters::seriesToJson(s)})}}}};
  if (discards > 0) c["contributors"]["nic.discards"] = json::array({{{"counter", "rx_discards_phy{dev=eth0,host=" + host + "}"}, {"delta", discards}}});
  return c;
}

model::TestOutcome streamOutcome() {
  model::TestOutcome t;
  t.name = "lossless";
  t.spec.pattern = "stream";
  t.spec.params.size_bytes = 1000;
  t.participants = {0, 1};
  t.plan.flows.push_back({.flow_id = 0, .sender = 0, .receiver = 1});
  t.senders.push_back({.flow_id = 0, .packets = 100, .measured_ns = 1'000'000'000});
  engine::ReceiverResult r;
  r.flow_id = 0;
  r.sequence.received = 100;
  r.measured_bytes = 100'000;
  t.receivers.push_back(r);
  return t;
}

slo::SloResult evaluate(const json& record, const std::string& expression) {
  std::map<std::string, std::string> why;
  for (const auto& [k, v] : record["metrics_missing"].items()) why[k] = v.get<std::string>();
  return slo::evaluate({expression, {"s.yaml", 1, 1}}, slo::flattenMetrics(record), {}, "", why);
}

TEST(NicVerdicts, AStormOnOneHostFailsTheLosslessVerdictAndIsCharted) {
  model::TestOutcome t = streamOutcome();
  // h1: paused 95% of every interval from 100 ms to 500 ms: a 400 ms storm.
  t.host_counters[0] = hostCounters("h1", {0, 0, 95'000, 190'000, 285'000, 380'000}, 0);
  t.host_counters[1] = hostCounters("h2", {0, 0, 0, 0, 0, 0}, 0);
  const json record = summarizeTest(t, agents());
  const json& nic = record["nic"];
  ASSERT_EQ(nic["pfc_storms"].size(), 1u) << nic.dump();
  EXPECT_EQ(nic["pfc_storms"][0]["host"], "h1");
  EXPECT_EQ(nic["pfc_storms"][0]["priority"], 3);
  EXPECT_DOUBLE_EQ(nic["pfc_storms"][0]["start_s"].get<double>(), 0.1);
  EXPECT_DOUBLE_EQ(nic["pfc_storms"][0]["duration_ms"].get<double>(), 400);
  EXPECT_FALSE(nic["lossless"]["ok"].get<bool>());
  EXPECT_NE(nic["lossless"]["violations"][0].get<std::string>().find("h1: PFC storm on dev=eth0 priority 3"), std::string::npos);
  ASSERT_EQ(nic["pause"].size(), 1u) << "h2's priority never paused: no line";
  EXPECT_EQ(nic["pause"][0]["t_s"].size(), 5u);
  EXPECT_DOUBLE_EQ(nic["pause"][0]["duty"][2].get<double>(), 0.95);

  const auto flat = slo::flattenMetrics(record);
  EXPECT_EQ(flat.at("lossless.ok"), 0);
  EXPECT_EQ(flat.at("lossless.violations"), 1);
  EXPECT_EQ(flat.at("nic.pfc.storms"), 1);
  EXPECT_DOUBLE_EQ(flat.at("nic.pfc.max_pause_duty"), 0.95);
  EXPECT_DOUBLE_EQ(flat.at("kpi.packet_drop_rate_ppm"), 0);
  EXPECT_EQ(evaluate(record, "lossless.ok == 1").verdict, slo::Verdict::kFail);
  EXPECT_EQ(evaluate(record, "nic.pfc.storms == 0").verdict, slo::Verdict::kFail);
}

TEST(NicVerdicts, ADiscardIsNamedWithItsHostAndCounter) {
  model::TestOutcome t = streamOutcome();
  t.host_counters[0] = hostCounters("h1", {0, 0, 0}, 0);
  t.host_counters[1] = hostCounters("h2", {0, 0, 0}, 12);
  const json record = summarizeTest(t, agents());
  ASSERT_EQ(record["nic"]["lossless"]["violations"].size(), 1u);
  EXPECT_EQ(record["nic"]["lossless"]["violations"][0], "h2: nic.discards rose by 12 (rx_discards_phy{dev=eth0,host=h2}: 12)");
  EXPECT_EQ(slo::flattenMetrics(record).at("nic.pfc.storms"), 0);
}

TEST(NicVerdicts, ADiscardNamesTheSwitchPortWhenItIsKnown) {
  model::TestOutcome t = streamOutcome();
  t.host_counters[0] = hostCounters("h1", {0, 0, 0}, 0);
  t.host_counters[1] = hostCounters("h2", {0, 0, 0}, 12);
  auto a = agents();
  a[1].switch_name = "leaf3";
  a[1].switch_port = "Ethernet12";
  a[1].topology_source = "lldp";
  const json record = summarizeTest(t, a);
  ASSERT_EQ(record["nic"]["lossless"]["violations"].size(), 1u);
  EXPECT_EQ(record["nic"]["lossless"]["violations"][0],
            "h2 ↔ leaf3:Ethernet12: nic.discards rose by 12 (rx_discards_phy{dev=eth0,host=h2}: 12)");
}

TEST(NicVerdicts, WithoutNicCountersTheMetricsAreAbsentWithTheReason) {
  model::TestOutcome t = streamOutcome();
  t.host_counters[0] = hostCounters("h1", {0, 0, 0}, 0);
  t.host_counters[1] = {{"netns", "net:[2]"},
                        {"metrics", json::object()},
                        {"missing", {{"nic.discards", "ethtool unavailable: veth1 has no such statistics"},
                                     {"nic.pfc.rx_pause_frames", "ethtool unavailable: veth1 has no such statistics"}}}};
  t.host_counters[0]["metrics"]["nic.pfc.rx_pause_frames"] = 3;
  const json record = summarizeTest(t, agents());
  const auto flat = slo::flattenMetrics(record);
  EXPECT_EQ(flat.count("lossless.ok"), 0u);
  EXPECT_EQ(flat.count("nic.pfc.storms"), 0u);
  EXPECT_EQ(flat.count("nic.discards"), 0u) << "a partial sum would understate";
  const auto r = evaluate(record, "lossless.ok == 1");
  EXPECT_EQ(r.verdict, slo::Verdict::kSkipped);
  EXPECT_NE(r.reason.find("h2"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("ethtool unavailable"), std::string::npos) << r.reason;
  const auto d = evaluate(record, "nic.pfc.rx_pause_frames == 0");
  EXPECT_EQ(d.verdict, slo::Verdict::kSkipped);
  EXPECT_NE(d.reason.find("h2: ethtool unavailable"), std::string::npos) << d.reason;
  const auto s = evaluate(record, "nic.pfc.storms == 0");
  EXPECT_NE(s.reason.find("h2: its counters were not sampled"), std::string::npos) << s.reason;
}

}  // namespace
}  // namespace fabcheck::results
