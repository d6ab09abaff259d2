// Counter JSON, flat metrics, CounterSet and the PFC counter names.
#include <gtest/gtest.h>

#include "generators/core/errors.h"
#include "harness/counters/counter_json.h"
#include "harness/counters/counter_set.h"
#include "harness/counters/flat_metrics.h"
#include "harness/counters/switch_metrics.h"
#include "harness/counters/pfc_counter_names.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::counters {
namespace {

CounterDelta knownDelta(const std::string& name, Labels labels, uint64_t d) {
  return CounterDelta{.name = name, .labels = std::move(labels), .delta = d, .before = 0, .after = d};
}

TEST(CountersJson, StableShape) {
  CounterDeltas d{.source = "qdisc", .interval_ns = 1000, .notes = {"n"}};
  d.counters.push_back(knownDelta("drops", {{"host", "h"}, {"dev", "v1"}}, 12));
  d.counters.push_back(CounterDelta{.name = "c", .labels = {{"host", "h"}}, .status = DeltaStatus::kWrapped, .delta = 5, .before = 4294967295u, .after = 4});
  d.counters.push_back(CounterDelta{.name = "s", .labels = {}, .status = DeltaStatus::kSaturated, .before = 65535, .after = 65535});
  d.counters.push_back(CounterDelta{.name = "p", .labels = {}, .status = DeltaStatus::kAppeared, .after = 17});
  EXPECT_EQ(deltasToJson(d).dump(),
            R"({"counters":[{"delta":12,"labels":{"dev":"v1","host":"h"},"name":"drops"},)"
            R"({"delta":5,"labels":{"host":"h"},"name":"c","status":"wrapped"},)"
            R"({"after":65535,"before":65535,"labels":{},"name":"s","status":"saturated"},)"
            R"({"after":17,"labels":{},"name":"p","status":"appeared"}],"interval_ns":1000,"notes":["n"],"source":"qdisc"})");
  CounterDeltas u{.source = "infiniband", .unavailable_reason = "no /sys/class/infiniband (no RDMA devices)"};
  EXPECT_EQ(deltasToJson(u).dump(),
            R"j({"counters":[],"interval_ns":0,"source":"infiniband","unavailable_reason":"no /sys/class/infiniband (no RDMA devices)"})j");
  CounterSnapshot snap{.samples = {CounterSample{.name = "rx_bytes", .labels = {{"dev", "eth0"}}, .value = 9}}};
  EXPECT_EQ(snapshotToJson("netdev", snap, "").dump(),
            R"({"counters":[{"labels":{"dev":"eth0"},"name":"rx_bytes","value":9}],"source":"netdev"})");
}

TEST(CountersFlat, SumsWhatEachMetricDefines) {
  CounterDeltas q{.source = "qdisc"};
  q.counters.push_back(knownDelta("drops", {{"dev", "p1"}, {"parent", "root"}}, 10));
  q.counters.push_back(knownDelta("drops", {{"dev", "p1"}, {"parent", "1:1"}}, 10));  // the child, already in its root
  q.counters.push_back(knownDelta("drops", {{"dev", "p2"}, {"parent", "root"}}, 5));
  CounterDeltas s{.source = "snmp"};
  s.counters.push_back(knownDelta("Udp.RcvbufErrors", {}, 7));
  s.counters.push_back(knownDelta("Udp6.RcvbufErrors", {}, 1));
  s.counters.push_back(knownDelta("Udp.InErrors", {}, 9));
  CounterDeltas n{.source = "netdev"};
  n.counters.push_back(knownDelta("rx_bytes", {{"dev", "a"}}, 100));
  n.counters.push_back(knownDelta("rx_bytes", {{"dev", "b"}}, 50));
  n.counters.push_back(CounterDelta{.name = "tx_bytes", .labels = {{"dev", "a"}}, .status = DeltaStatus::kReset, .before = 9, .after = 1});
  CounterDeltas e{.source = "ethtool"};
  e.counters.push_back(knownDelta("rx_prio3_pause", {{"dev", "eth0"}}, 17));
  e.counters.push_back(knownDelta("rx_prio4_pause", {{"dev", "eth0"}}, 3));
  e.counters.push_back(knownDelta("rx_prio3_pause_duration", {{"dev", "eth0"}}, 4000));
  CounterDeltas ib{.source = "infiniband", .unavailable_reason = "no /sys/class/infiniband (no RDMA devices)"};
  const FlatMetrics m = flatMetrics({q, s, n, e, ib});
  EXPECT_EQ(m.values.at("fabric.queue_drops"), 15);
  EXPECT_EQ(m.values.at("host.socket_drops"), 8);
  EXPECT_EQ(m.values.at("host.udp_in_errors"), 9);
  EXPECT_EQ(m.values.at("host.rx_bytes"), 150);
  EXPECT_EQ(m.values.at("nic.pfc.rx_pause_frames"), 20);
  EXPECT_EQ(m.values.at("nic.pfc.prio3.rx_pause_frames"), 17);
  EXPECT_EQ(m.values.at("nic.pfc.prio3.rx_pause_duration_us"), 4000);
  // Never a number where a counter's delta is unknown, or where nothing was read.
  EXPECT_EQ(m.values.count("host.tx_bytes"), 0u);
  EXPECT_EQ(m.missing.at("host.tx_bytes"), "no delta for tx_bytes{dev=a} reset");
  EXPECT_EQ(m.missing.at("rdma.tx_bytes"), "infiniband unavailable: no /sys/class/infiniband (no RDMA devices)");
  EXPECT_EQ(m.missing.at("host.tx_dropped"), "no counter for it in the netdev source");
  EXPECT_EQ(m.missing.at("nic.pause_storm_errors"), "no counter for it on the NICs read (mlx5 tx_pause_storm_error_events)");
  EXPECT_EQ(flatMetrics({}).missing.at("fabric.queue_drops"), "the qdisc source was not read");
  // Every metric is either present or missing with a reason — but the switch.* metrics, which
  // exist only where switches were read (switch_metrics.h; switch_metrics_test.cpp).
  for (const auto& info : flatMetricInfos()) {
    if (info.source == kSwitchSnmpSource) {
      EXPECT_EQ(m.values.count(info.name) + m.missing.count(info.name), 0u) << info.name;
      continue;
    }
    EXPECT_EQ(m.values.count(info.name) + m.missing.count(info.name), 1u) << info.name;
  }
}

TEST(CountersFlat, EveryMetricHasItsRowInTheDocs) {
  const std::string doc = testing::slurp(std::string(FABCHECK_SOURCE_DIR) + "/docs/metrics.md");
  ASSERT_FALSE(doc.empty()) << "docs/metrics.md not found under " << FABCHECK_SOURCE_DIR;
  for (const auto& m : flatMetricInfos()) {
    EXPECT_NE(doc.find("| `" + m.name + "` | " + m.unit + " | " + m.meaning + " | pingpong, stream, microburst, incast, collective | " + m.source +
                           " counters read |"), std::string::npos)
        << m.name << ": no matching row in docs/metrics.md \"Counters\"";
  }
}

TEST(CountersPfcNames, RecognisesDriverNames) {
  auto is = [](const std::string& name, PfcCounter c, int prio) {
    const auto p = parsePfcCounterName(name);
    return p && p->counter == c && p->priority == prio;
  };
  EXPECT_TRUE(is("rx_prio3_pause", PfcCounter::kRxPause, 3));
  EXPECT_TRUE(is("tx_prio0_pause", PfcCounter::kTxPause, 0));
  EXPECT_TRUE(is("rx_prio7_pause_duration", PfcCounter::kRxPauseDurationUs, 7));
  EXPECT_TRUE(is("rx_prio2_pause_transition", PfcCounter::kRxPauseTransition, 2));
  EXPECT_TRUE(is("rx_pfc_ena_frames_pri5", PfcCounter::kRxPause, 5));
  EXPECT_TRUE(is("pfc_pri1_rx_duration_us", PfcCounter::kRxPauseDurationUs, 1));
  EXPECT_TRUE(is("tx_priority_6_xoff.nic", PfcCounter::kTxPause, 6));
  EXPECT_FALSE(parsePfcCounterName("rx_prio8_pause"));
  EXPECT_FALSE(parsePfcCounterName("rx_prio3_bytes"));
  EXPECT_FALSE(parsePfcCounterName("rx_prio33_pause"));
  EXPECT_FALSE(parsePfcCounterName("tx_pause_storm_error_events"));
}

class ScriptedSource : public CounterSource {
 public:
  ScriptedSource(std::string name, std::vector<CounterSnapshot> script, std::string reason = "", bool throws = false)
      : name_(std::move(name)), script_(std::move(script)), reason_(std::move(reason)), throws_(throws) {}
  std::string name() const override { return name_; }
  CounterSnapshot snapshot() override {
    if (throws_) throw Error("cannot read /x: boom");
    CounterSnapshot s = script_.at(next_);
    next_ = std::min(next_ + 1, script_.size() - 1);
    return s;
  }
  std::string unavailable_reason() const override { return reason_; }

 private:
  std::string name_;
  std::vector<CounterSnapshot> script_;
  std::string reason_;
  bool throws_;
  size_t next_ = 0;
};

TEST(CountersSet, SnapshotsDeltasJsonAndMetrics) {
  auto sample = [](uint64_t v) { return CounterSample{.name = "Udp.RcvbufErrors", .labels = {{"host", "h"}}, .value = v}; };
  CounterSet set;
  set.add(std::make_unique<ScriptedSource>("snmp", std::vector<CounterSnapshot>{{.taken_mono_ns = 100, .samples = {sample(5)}},
                                                                                  {.taken_mono_ns = 350, .samples = {sample(12)}}}));
  set.add(std::make_unique<ScriptedSource>("infiniband", std::vector<CounterSnapshot>{{}}, "no /sys/class/infiniband (no RDMA devices)"));
  set.add(std::make_unique<ScriptedSource>("ethtool", std::vector<CounterSnapshot>{{}}, "", true));
  const auto before = set.snapshot();
  const auto after = set.snapshot();
  ASSERT_EQ(before.size(), 3u);
  EXPECT_EQ(before[2].error, "cannot read /x: boom");
  const auto d = deltas(before, after);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].interval_ns, 250);
  ASSERT_EQ(d[0].counters.size(), 1u);
  EXPECT_EQ(d[0].counters[0].delta, 7u);
  EXPECT_EQ(d[1].unavailable_reason, "no /sys/class/infiniband (no RDMA devices)");
  EXPECT_EQ(d[2].error, "before: cannot read /x: boom");
  const auto j = toJson(d);
  ASSERT_EQ(j.at("sources").size(), 3u);
  EXPECT_EQ(j["sources"][0]["counters"][0]["delta"], 7);
  EXPECT_EQ(j["sources"][2]["error"], "before: cannot read /x: boom");
  const auto m = flatMetrics(d);
  EXPECT_EQ(m.values.at("host.socket_drops"), 7);
  EXPECT_EQ(m.missing.at("nic.pfc.rx_pause_frames"), "reading ethtool failed: before: cannot read /x: boom");
}

TEST(CountersSet, MismatchedSnapshotListsAreAnError) {
  std::vector<SourceSnapshot> a{{.source = "snmp"}}, b{{.source = "netdev"}};
  EXPECT_EQ(testing::errorOf<Error>([&] { deltas(a, b); }), "counter deltas: source #0 is 'snmp' before and 'netdev' after");
  EXPECT_EQ(testing::errorOf<Error>([&] { deltas(a, {}); }), "counter deltas: 1 sources before, 0 after; expected the same set");
}

}  // namespace
}  // namespace fabcheck::counters
