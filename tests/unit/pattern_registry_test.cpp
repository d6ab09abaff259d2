// Patterns as plug-ins (harness/suite/pattern_registry.h): the built-ins, how a spec and a record
// find their pattern, and a pattern added in this file alone — `fan_out`, one sender streaming
// to every other agent — going through the suite loader, the planner, the summariser, the
// metric registry and SLO validation without any other file knowing it.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "generators/core/errors.h"
#include "harness/plan/test_rounds.h"
#include "harness/results/test_summary.h"
#include "harness/slo/metric_registry.h"
#include "harness/slo/verdict.h"
#include "harness/suite/pattern_registry.h"
#include "harness/suite/suite_loader.h"
#include "tests/unit/suite_errors.h"

namespace fabcheck::suite {
namespace {

using nlohmann::json;

// ---- a pattern of this test's own -------------------------------------------------------

// fan_out: agent 0 streams to each of the others; `targets: N` runs N receivers (N + 1 agents).
class FanOut final : public Pattern {
 public:
  std::string name() const override { return "fan_out"; }
  std::string description() const override { return "one sender streams to every other agent"; }
  std::vector<std::string> keys() const override { return {"size", "duration", "targets"}; }
  void load(const PatternKeys& in, SuiteTest& t) const override {
    auto& p = t.spec.params;
    p.kind = patterns::PatternKind::kStream;
    p.duration_ns = 1'000'000'000;
    if (auto* v = in.keys.get("size")) {
      if (auto x = in.reader.integer(*v, "size", 64, 9000)) p.size_bytes = static_cast<uint32_t>(*x);
    }
    if (auto* v = in.keys.get("targets")) {
      if (auto x = in.reader.integer(*v, "targets", 1, 1000)) t.participants.count = static_cast<int>(*x) + 1;
    }
  }
  PatternRounds plan(const model::TestSpec& spec, int agents) const override {
    PatternRounds out;
    out.rounds.emplace_back();
    for (int to = 1; to < agents; ++to) patterns::addLink(out.rounds.back(), spec.params, 0, to);
    return out;
  }
  std::vector<std::string> metricGroups() const override { return {kMetricPackets, kMetricFlows}; }
  std::vector<PatternMetric> ownMetrics() const override {
    return {{"fan_out.slowest_target_gbps", "Gbit/s", "throughput of the slowest receiver", "", {}}};
  }
  void summarize(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents,
                 json& record) const override {
    record["pattern"] = "fan_out";
    record["placement"] = "fan_out";
    record["metrics"] = results::flowMetrics(t, agents, {});
    if (record["metrics"].contains("per_flow_throughput_gbps")) {
      record["metrics"]["fan_out"]["slowest_target_gbps"] = record["metrics"]["per_flow_throughput_gbps"]["min"];
    }
  }
};

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const auto& p : patternRegistry()) out.push_back(p->name());
  return out;
}

// ---- the built-ins ----------------------------------------------------------------------

TEST(PatternRegistry, TheBuiltInsInMessageOrderEachDescribed) {
  EXPECT_EQ(names(), (std::vector<std::string>{"pingpong", "stream", "microburst", "incast", "all_reduce",
                                               "reduce_scatter", "all_gather", "all_to_all", "broadcast"}));
  for (const auto& p : patternRegistry()) {
    EXPECT_FALSE(p->description().empty()) << p->name();
    EXPECT_FALSE(p->keys().empty()) << p->name();
  }
  EXPECT_EQ(findPattern("all_to_all")->metricFamily(), "collective");
  EXPECT_EQ(findPattern("nope"), nullptr);
  EXPECT_THROW(addPattern(findPattern("stream")), ConfigError) << "a name is registered once";
}

TEST(PatternRegistry, ASpecFindsItsPatternByItsFields) {
  model::TestSpec s;
  s.params.kind = patterns::PatternKind::kMicroburst;
  s.placement = patterns::Placement::kIncast;
  EXPECT_EQ(patternFor(s)->name(), "incast") << "a microburst placed as incast is the incast pattern";
  s.placement = patterns::Placement::kRing;
  EXPECT_EQ(patternFor(s)->name(), "microburst");
  s.params.kind = patterns::PatternKind::kPingpong;
  s.placement = patterns::Placement::kIncast;
  EXPECT_EQ(patternFor(s)->name(), "pingpong");
  s.collective = model::CollectiveSpec{};
  s.collective->params.kind = patterns::CollectiveKind::kBroadcast;
  EXPECT_EQ(patternFor(s)->name(), "broadcast");
  EXPECT_EQ(metricFamilyOf("microburst", "incast"), "incast");
  EXPECT_EQ(metricFamilyOf("microburst", "pairs"), "microburst");
  EXPECT_EQ(metricFamilyOf("collective", "ranks"), "collective");
  EXPECT_EQ(metricFamilyOf("unknown", ""), "unknown");
}

TEST(PatternRegistry, ALoadedTestCarriesItsPatternName) {
  const Suite s = parseSuite("name: s\ntests:\n  - {name: a, pattern: all-reduce}\n  - {name: b, pattern: incast, burst: 64KiB, burst_interval: 1ms}\n",
                             "s.yaml");
  EXPECT_EQ(s.tests[0].spec.pattern, "all_reduce");
  EXPECT_EQ(s.tests[1].spec.pattern, "incast");
  EXPECT_EQ(s.tests[1].spec.placement, patterns::Placement::kIncast);
}

// ---- a pattern added by this test -------------------------------------------------------

TEST(PatternPlugin, AnAddedPatternLoadsFromASuiteWithItsOwnKeys) {
  const ScopedPattern fan_out(std::make_shared<FanOut>());
  ASSERT_EQ(names().back(), "fan_out");
  const Suite s = parseSuite("name: s\ntests:\n  - {name: f, pattern: fan_out, targets: 3, size: 1000}\n", "s.yaml");
  ASSERT_EQ(s.tests.size(), 1u);
  EXPECT_EQ(s.tests[0].spec.pattern, "fan_out");
  EXPECT_EQ(s.tests[0].participants.count, 4);
  EXPECT_EQ(s.tests[0].spec.params.size_bytes, 1000u);

  EXPECT_EQ(testing::suiteErrorsOf("name: s\ntests:\n  - {name: f, pattern: fan_out, flows: 2}\n"),
            std::vector<std::string>{"s.yaml:3:40: flows '2': only tests of pattern pingpong, stream, microburst, "
                                     "incast take flows; this test's pattern is fan_out"});
  EXPECT_EQ(testing::suiteErrorsOf("name: s\ntests:\n  - {name: f, pattern: stream, targets: 2}\n"),
            std::vector<std::string>{"s.yaml:3:41: targets '2': only tests of pattern fan_out take targets; this "
                                     "test's pattern is stream"});
  EXPECT_EQ(testing::suiteErrorsOf("name: s\ntests:\n  - {name: f}\n"),
            std::vector<std::string>{"s.yaml:3:5: tests[0] has no pattern; expected one of pingpong, stream, "
                                     "microburst, incast, all_reduce, reduce_scatter, all_gather, all_to_all, "
                                     "broadcast, fan_out"});
}

TEST(PatternPlugin, AnAddedPatternPlansItsOwnRounds) {
  const ScopedPattern fan_out(std::make_shared<FanOut>());
  model::TestSpec spec;
  spec.name = "f";
  spec.pattern = "fan_out";
  spec.params.duration_ns = 1'000'000'000;
  const auto rounds = plan::planTestRounds(spec, 4);
  ASSERT_EQ(rounds.rounds.size(), 1u);
  ASSERT_EQ(rounds.rounds[0].flows.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(rounds.rounds[0].flows[static_cast<size_t>(i)].sender, 0);
    EXPECT_EQ(rounds.rounds[0].flows[static_cast<size_t>(i)].receiver, i + 1);
  }
  spec.pattern.clear();
  EXPECT_EQ(plan::planTestRounds(spec, 4).rounds[0].flows.size(), 2u) << "without its name: a stream in pairs";
}

TEST(PatternPlugin, AnAddedPatternsMetricsReachTheRegistrySummariesAndSlos) {
  {
    const ScopedPattern fan_out(std::make_shared<FanOut>());
    const slo::MetricInfo* own = slo::findMetric("fan_out.slowest_target_gbps");
    ASSERT_NE(own, nullptr);
    EXPECT_EQ(slo::patternList(*own), "fan_out");
    EXPECT_EQ(slo::patternList(*slo::findMetric("throughput_gbps")), "pingpong, stream, microburst, incast, fan_out");
    EXPECT_EQ(slo::patternList(*slo::findMetric("bursts_sent")), "microburst, incast");

    // Its summary: its own record, read back by the SLOs under its family.
    model::TestOutcome t;
    t.name = "f";
    t.spec.pattern = "fan_out";
    t.spec.params.size_bytes = 1000;
    t.participants = {0, 1, 2};
    for (uint32_t id = 0; id < 2; ++id) {
      t.plan.flows.push_back({.flow_id = id, .sender = 0, .receiver = static_cast<int>(id) + 1});
      t.senders.push_back({.flow_id = id, .packets = 100, .measured_ns = 1'000'000'000});
      engine::ReceiverResult r;
      r.flow_id = id;
      r.sequence.received = 100;
      r.measured_bytes = id == 0 ? 1'000'000'000 : 500'000'000;
      t.receivers.push_back(r);
    }
    const json record = results::summarizeTest(t, {});
    EXPECT_EQ(record["pattern"], "fan_out");
    const auto flat = slo::flattenMetrics(record);
    ASSERT_TRUE(flat.count("fan_out.slowest_target_gbps")) << record["metrics"].dump();
    EXPECT_DOUBLE_EQ(flat.at("fan_out.slowest_target_gbps"), 4.0);
    EXPECT_TRUE(flat.count("throughput_gbps"));
    EXPECT_FALSE(flat.count("bursts_sent"));

    Suite s = parseSuite("name: s\ntests:\n  - name: f\n    pattern: fan_out\n    slos: ['latency_us.p99 < 5', "
                         "'fan_out.slowest_target_gbps > 1']\n",
                         "s.yaml");
    const auto bad = slo::validateSlos(s);
    ASSERT_EQ(bad.size(), 1u);
    EXPECT_EQ(bad[0].message, "slo 'latency_us.p99 < 5': metric 'latency_us.p99' is not produced by pattern fan_out "
                              "(test 'f'); it comes from pingpong, a test with a probe");
  }
  EXPECT_EQ(findPattern("fan_out"), nullptr) << "gone with its scope";
  EXPECT_EQ(slo::findMetric("fan_out.slowest_target_gbps"), nullptr);
  EXPECT_EQ(slo::patternList(*slo::findMetric("throughput_gbps")), "pingpong, stream, microburst, incast");
}

}  // namespace
}  // namespace fabcheck::suite
