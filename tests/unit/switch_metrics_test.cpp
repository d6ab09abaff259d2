// The switch.* metrics (harness/counters/switch_metrics.h) from switch_snmp deltas, and SLOs on
// them: per-port names through the registry's templates, totals that refuse to hide an unread
// switch, and the reason an SLO on an unread switch's port is skipped.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/counters/flat_metrics.h"
#include "harness/counters/switch_metrics.h"
#include "harness/slo/metric_registry.h"
#include "harness/slo/slo_expression.h"
#include "harness/slo/verdict.h"

namespace fabcheck::counters {
namespace {

CounterDelta portCounter(const std::string& sw, const std::string& port, const std::string& name,
                         std::optional<uint64_t> delta, std::map<std::string, std::string> extra = {}) {
  CounterDelta d;
  d.name = name;
  d.labels = {{"host", sw}, {"switch", sw}, {"port", port}, {"ifindex", "1"}};
  for (auto& [k, v] : extra) d.labels[k] = v;
  d.delta = delta;
  d.status = delta ? DeltaStatus::kOk : DeltaStatus::kReset;
  return d;
}

CounterDeltas switchDeltas(const std::string& sw, std::vector<CounterDelta> counters) {
  CounterDeltas d;
  d.source = kSwitchSnmpSource;
  d.scope = {{"switch", sw}};
  d.counters = std::move(counters);
  return d;
}

CounterDeltas unreadSwitch(const std::string& sw, const std::string& why) {
  CounterDeltas d;
  d.source = kSwitchSnmpSource;
  d.scope = {{"switch", sw}};
  d.unavailable_reason = why;
  return d;
}

std::vector<CounterDeltas> twoLeaves() {
  return {switchDeltas("leaf1", {portCounter("leaf1", "Ethernet0", "ifHCInOctets", 1000),
                                 portCounter("leaf1", "Ethernet0", "ifHCInUcastPkts", 7),
                                 portCounter("leaf1", "Ethernet0", "ifHCInMulticastPkts", 2),
                                 portCounter("leaf1", "Ethernet0", "ifHCInBroadcastPkts", 1),
                                 portCounter("leaf1", "Ethernet0", "ifInDiscards", 3),
                                 portCounter("leaf1", "Ethernet0", "ifOutDiscards", 4),
                                 portCounter("leaf1", "Ethernet0", "cpfcIfPriorityIndications", 11, {{"prio", "3"}}),
                                 portCounter("leaf1", "Ethernet0", "cpfcIfPriorityIndications", 99, {{"prio", "4"}}),
                                 portCounter("leaf1", "Ethernet4", "ifInDiscards", 5)}),
          switchDeltas("leaf2", {portCounter("leaf2", "etp1", "ifInDiscards", 10),
                                 portCounter("leaf2", "etp1", "cpfcIfPriorityIndications", 1, {{"prio", "3"}}),
                                 portCounter("leaf2", "etp1", "csqIfQosGroupStatsValue_ucastDroppedPkts", 6,
                                             {{"queue", "3"}}),
                                 portCounter("leaf2", "etp1", "csqIfQosGroupStatsValue_ucastDroppedPkts", 2,
                                             {{"queue", "0"}})})};
}

TEST(SwitchMetrics, PerPortMetricsSumTheirObjectsAndTotalsSumEveryPortOfEverySwitch) {
  const FlatMetrics m = flatMetrics(twoLeaves());
  EXPECT_EQ(m.values.at("switch.leaf1.port.Ethernet0.rx_bytes"), 1000);
  EXPECT_EQ(m.values.at("switch.leaf1.port.Ethernet0.rx_packets"), 10);
  EXPECT_EQ(m.values.at("switch.leaf1.port.Ethernet0.rx_discards"), 3);
  EXPECT_EQ(m.values.at("switch.leaf1.port.Ethernet0.tx_discards"), 4);
  EXPECT_EQ(m.values.at("switch.leaf1.port.Ethernet0.pfc.prio3.rx_pause_frames"), 11);
  EXPECT_EQ(m.values.at("switch.leaf1.port.Ethernet0.pfc.prio4.rx_pause_frames"), 99);
  EXPECT_EQ(m.values.at("switch.leaf2.port.etp1.queue_drops"), 8);
  EXPECT_EQ(m.values.count("switch.leaf1.port.Ethernet0.tx_bytes"), 0u) << "not read: no metric, not a zero";
  EXPECT_EQ(m.values.at("switch.rx_discards"), 3 + 5 + 10);
  EXPECT_EQ(m.values.at("switch.discards"), 3 + 4 + 5 + 10);
  EXPECT_EQ(m.values.at("switch.pfc.prio3.rx_pause_frames"), 12);
  EXPECT_EQ(m.values.at("switch.queue_drops"), 8);
  EXPECT_EQ(m.values.count("switch.pfc.prio3.tx_pause_frames"), 0u);
  EXPECT_EQ(m.missing.at("switch.pfc.prio3.tx_pause_frames"), "no switch read serves it");
  ASSERT_EQ(m.contributors.at("switch.rx_discards").size(), 3u);
  EXPECT_EQ(m.contributors.at("switch.rx_discards")[2].counter,
            "ifInDiscards{host=leaf2,ifindex=1,port=etp1,switch=leaf2}");
}

TEST(SwitchMetrics, ASwitchThatDidNotAnswerMakesEveryTotalAbsentAndNamesItself) {
  auto deltas = twoLeaves();
  deltas[1] = unreadSwitch("leaf2", "leaf2 (udp:192.0.2.11:161): Timeout");
  const FlatMetrics m = flatMetrics(deltas);
  EXPECT_EQ(m.values.at("switch.leaf1.port.Ethernet4.rx_discards"), 5) << "the switch that answered keeps its ports";
  for (const char* total : {"switch.discards", "switch.rx_discards", "switch.pfc.prio3.rx_pause_frames"}) {
    EXPECT_EQ(m.values.count(total), 0u) << total;
    EXPECT_EQ(m.missing.at(total), "switch leaf2 was not read: leaf2 (udp:192.0.2.11:161): Timeout") << total;
  }
  EXPECT_EQ(m.missing.at("switch.leaf2.*"), "switch leaf2 was not read: leaf2 (udp:192.0.2.11:161): Timeout");
}

TEST(SwitchMetrics, ACounterWithoutADeltaMakesItsPortMetricAndTheTotalAbsent) {
  auto deltas = twoLeaves();
  deltas[0].counters.push_back(portCounter("leaf1", "Ethernet8", "ifInDiscards", std::nullopt));
  const FlatMetrics m = flatMetrics(deltas);
  EXPECT_EQ(m.missing.at("switch.leaf1.port.Ethernet8.rx_discards"),
            "no delta for ifInDiscards{host=leaf1,ifindex=1,port=Ethernet8,switch=leaf1} reset");
  EXPECT_EQ(m.values.count("switch.rx_discards"), 0u);
  EXPECT_EQ(m.values.at("switch.tx_discards"), 4) << "a total that does not sum the reset counter stays";
}

TEST(SwitchMetrics, HostsWithoutSwitchSourcesHaveNoSwitchMetricsAtAll) {
  CounterDeltas host;
  host.source = "netdev";
  const FlatMetrics m = flatMetrics({host});
  for (const auto& [name, v] : m.values) EXPECT_NE(name.rfind("switch.", 0), 0u) << name;
  for (const auto& [name, why] : m.missing) EXPECT_NE(name.rfind("switch.", 0), 0u) << name;
}

}  // namespace
}  // namespace fabcheck::counters

namespace fabcheck::slo {
namespace {

suite::Slo switchSlo(const std::string& text) { return {text, {"s.yaml", 3, 9}}; }

TEST(SwitchSlos, PerPortNamesFitTheRegistryTemplatesAndKeepTheirOwnName) {
  ASSERT_NE(findMetric("switch.leaf1.port.Ethernet0.rx_discards"), nullptr);
  EXPECT_EQ(findMetric("switch.leaf1.port.Ethernet0.rx_discards")->unit, "packets");
  ASSERT_NE(findMetric("switch.leaf1.port.Ethernet0.100.pfc.prio3.tx_pause_frames"), nullptr) << "a port may hold dots";
  EXPECT_EQ(findMetric("switch.leaf1.port.Ethernet0.rx_bogus"), nullptr);
  EXPECT_EQ(findMetric("switch.leaf1.port..rx_discards"), nullptr) << "an empty port";
  EXPECT_EQ(findMetric("switch.a.b.port.Ethernet0.rx_discards"), nullptr) << "a switch name is one part";
  const SloExpression e = parseSlo("switch.leaf1.port.Ethernet0.rx_discards == 0", {});
  EXPECT_EQ(e.metric, "switch.leaf1.port.Ethernet0.rx_discards");
}

TEST(SwitchSlos, AnSloOnAPortIsJudgedOnItsValueAndSkippedWithTheReasonWhenItsSwitchWasNotRead) {
  const std::map<std::string, double> metrics = {{"switch.leaf1.port.Ethernet0.rx_discards", 3}};
  const SloResult fail = evaluate(switchSlo("switch.leaf1.port.Ethernet0.rx_discards == 0"), metrics, {}, "");
  EXPECT_EQ(fail.verdict, Verdict::kFail) << fail.reason;
  const std::map<std::string, std::string> why = {{"switch.leaf2.*", "fabric: switch leaf2 was not read: Timeout"},
                                                  {"switch.*", "a broader reason"}};
  const SloResult skipped = evaluate(switchSlo("switch.leaf2.port.etp1.rx_discards == 0"), metrics, {}, "", why);
  EXPECT_EQ(skipped.verdict, Verdict::kSkipped);
  EXPECT_EQ(skipped.reason,
            "metric 'switch.leaf2.port.etp1.rx_discards' is not available: fabric: switch leaf2 was not read: Timeout");
}

}  // namespace
}  // namespace fabcheck::slo
