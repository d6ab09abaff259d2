// Latency under load: the `probe:` suite key, the probe flow on the wire protocol, and the
// probe's metrics beside the load's (harness/results/probe_summary.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "generators/patterns/pattern.h"
#include "harness/results/histograms.h"
#include "harness/results/probe_summary.h"
#include "harness/results/test_summary.h"
#include "harness/slo/metric_registry.h"
#include "harness/slo/verdict.h"
#include "harness/suite/suite_loader.h"

namespace fabcheck {
namespace {

using nlohmann::json;

std::vector<std::string> errorsOf(const std::string& yaml) {
  try {
    suite::parseSuite(yaml, "s.yaml");
  } catch (const suite::SuiteError& e) {
    std::vector<std::string> out;
    for (const auto& d : e.diagnostics()) out.push_back(d.str());
    return out;
  }
  return {};
}

constexpr const char* kProbeSuite = R"(name: lul
tests:
  - name: lul
    pattern: stream
    placement: ring
    rate: 1G
    warmup: 200ms
    duration: 2s
    probe:
      size: 128
      dscp: 46
      between: [2, 0]
      idle_duration: 300ms
      reply_timeout: 50ms
      warmup_iterations: 3
    slos:
      - latency_us.p99 <= 100
      - latency_increase_us.p99 <= 50
      - probe.lost_packets == 0
)";

TEST(ProbeSuite, AProbeKeyBecomesTheTestsProbeSpec) {
  const suite::Suite s = suite::parseSuite(kProbeSuite, "s.yaml");
  ASSERT_EQ(s.tests.size(), 1u);
  const auto& pr = s.tests[0].spec.probe;
  ASSERT_TRUE(pr.has_value());
  EXPECT_EQ(pr->params.kind, patterns::PatternKind::kPingpong);
  EXPECT_EQ(pr->params.size_bytes, 128u);
  EXPECT_EQ(pr->dscp, 46);
  EXPECT_EQ(pr->from, 2);
  EXPECT_EQ(pr->to, 0);
  EXPECT_EQ(pr->idle_duration_ns, 300'000'000);
  EXPECT_EQ(pr->params.reply_timeout_ns, 50'000'000);
  EXPECT_EQ(pr->params.warmup_iterations, 3u);
  EXPECT_TRUE(slo::validateSlos(s).empty()) << "latency metrics are produced by a stream test with a probe";
}

TEST(ProbeSuite, DefaultsAreA64ByteProbeBetweenTheFirstTwoAgentsOnTheTestsDscp) {
  const suite::Suite s = suite::parseSuite(
      "name: x\ntests:\n  - name: t\n    pattern: incast\n    fan_in: 2\n    burst: 64KiB\n    burst_interval: 10ms\n"
      "    probe: {}\n",
      "s.yaml");
  const auto& pr = s.tests[0].spec.probe;
  ASSERT_TRUE(pr.has_value());
  EXPECT_EQ(pr->params.size_bytes, 64u);
  EXPECT_EQ(pr->dscp, -1);
  EXPECT_EQ(pr->from, 0);
  EXPECT_EQ(pr->to, 1);
  EXPECT_EQ(pr->idle_duration_ns, 1'000'000'000);
}

TEST(ProbeSuite, LatencySlosOnAStreamWithoutAProbeAreRejected) {
  const suite::Suite s =
      suite::parseSuite("name: x\ntests:\n  - name: t\n    pattern: stream\n    slos: [latency_us.p99 <= 10]\n", "s.yaml");
  const auto d = slo::validateSlos(s);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].str(),
            "s.yaml:5:12: slo 'latency_us.p99 <= 10': metric 'latency_us.p99' is not produced by pattern stream "
            "(test 't'); it comes from pingpong, a test with a probe");
}

TEST(ProbeSuite, BadProbesAreNamedAtTheirPosition) {
  EXPECT_EQ(errorsOf("name: x\ntests:\n  - name: t\n    pattern: pingpong\n    probe: {size: 64}\n"),
            std::vector<std::string>{"s.yaml:5:12: probe: a probe measures latency under load; this test's pattern "
                                     "pingpong makes no load (use stream, microburst or incast)"});
  EXPECT_EQ(errorsOf("name: x\ntests:\n  - name: t\n    pattern: stream\n    placement: matrix\n    probe: {}\n"),
            std::vector<std::string>{"s.yaml:6:12: probe: placement matrix runs in several rounds; a probe needs a "
                                     "placement that runs once (pairs, ring, permutation, incast)"});
  EXPECT_EQ(errorsOf("name: x\ntests:\n  - name: t\n    pattern: stream\n    probe: {sise: 64}\n"),
            std::vector<std::string>{"s.yaml:5:13: unknown key 'sise' in probe; did you mean 'size'?"});
  EXPECT_EQ(errorsOf("name: x\ntests:\n  - name: t\n    pattern: stream\n    probe: {between: [1, 1]}\n"),
            std::vector<std::string>{"s.yaml:5:22: probe.between: the two positions must differ"});
  EXPECT_EQ(errorsOf("name: x\ntests:\n  - name: t\n    pattern: stream\n    probe: {dscp: 64}\n"),
            std::vector<std::string>{"s.yaml:5:19: probe.dscp '64': expected a whole number from 0 to 63"});
  EXPECT_EQ(errorsOf("name: x\ntests:\n  - name: t\n    pattern: stream\n    probe: {size: 16}\n"),
            std::vector<std::string>{"s.yaml:5:19: probe.size '16': expected 32 to 65507 bytes"});
  EXPECT_EQ(errorsOf("name: x\ndefaults:\n  probe: {}\ntests:\n  - name: t\n    pattern: stream\n").size(), 1u)
      << "a probe is never a default (it would land on pingpong tests too)";
}

TEST(ProbeFlow, ItsOwnParametersAndDscpSurviveTheWire) {
  patterns::FlowSpec f;
  f.flow_id = 7;
  f.role = patterns::FlowRole::kPingpong;
  f.params = patterns::PatternParams{.kind = patterns::PatternKind::kPingpong, .size_bytes = 96, .duration_ns = 5};
  f.dscp = 46;
  const auto back = json(f).get<patterns::FlowSpec>();
  ASSERT_TRUE(back.params.has_value());
  EXPECT_EQ(back.params->size_bytes, 96u);
  EXPECT_EQ(back.params->duration_ns, 5);
  EXPECT_EQ(back.dscp, 46);
  patterns::FlowSpec plain;
  const json j = plain;
  EXPECT_FALSE(j.contains("params")) << "flows without their own parameters stay as they were";
  EXPECT_FALSE(j.contains("dscp"));
  json bad = j;
  bad["dscp"] = 99;
  EXPECT_THROW(bad.get<patterns::FlowSpec>(), ProtocolError);
}

measure::LatencyHistogram rtts(std::initializer_list<int64_t> ns) {
  measure::LatencyHistogram h;
  for (int64_t v : ns) h.record(v);
  return h;
}

// A stream 0 → 1 (flow 0) loaded while a probe 1 → 0 (flow 1) pinged: 20 µs idle, 50 µs loaded.
model::TestOutcome probedOutcome() {
  model::TestOutcome t;
  t.name = "lul";
  t.spec.name = "lul";
  t.spec.params.kind = patterns::PatternKind::kStream;
  t.spec.probe = model::ProbeSpec{};
  t.spec.probe->dscp = 46;
  patterns::FlowSpec load{.flow_id = 0, .role = patterns::FlowRole::kStream, .sender = 0, .receiver = 1};
  patterns::FlowSpec probe{.flow_id = 1, .role = patterns::FlowRole::kPingpong, .sender = 1, .receiver = 0};
  probe.params = patterns::PatternParams{.kind = patterns::PatternKind::kPingpong, .size_bytes = 64};
  probe.dscp = 46;
  t.plan.flows = {load, probe};
  engine::SenderResult s;
  s.flow_id = 0;
  s.packets = 1000;
  s.measured_bytes = 125'000'000;
  s.measured_ns = 1'000'000'000;
  t.senders = {s};
  engine::ReceiverResult r;
  r.flow_id = 0;
  r.sequence.received = 1000;
  r.measured_bytes = 125'000'000;
  r.measured_packets = 1000;
  t.receivers = {r};
  engine::PingpongResult loaded;
  loaded.flow_id = 1;
  loaded.sent = 4;
  loaded.replies = 3;
  loaded.timeouts = 1;
  loaded.measured = 3;
  loaded.measured_ns = 1'000'000'000;
  loaded.rtt_ns = rtts({50'000, 50'000, 50'000});
  engine::PingpongResult idle = loaded;
  idle.timeouts = 0;
  idle.measured = 3;
  idle.rtt_ns = rtts({20'000, 20'000, 20'000});
  t.pingpongs = {loaded};
  t.probe.idle_pingpongs = {idle};
  engine::ResponderResult resp;
  resp.flow_id = 1;
  resp.echoed = 3;
  resp.dscp_seen = 46;
  t.responders = {resp};
  t.participants = {0, 1};
  t.rounds = 1;
  return t;
}

TEST(ProbeSummary, TheProbeIsReportedBesideItsIdleBaselineAndLeftOutOfTheLoad) {
  const model::TestOutcome t = probedOutcome();
  EXPECT_TRUE(results::isProbeFlow(t, 1));
  EXPECT_FALSE(results::isProbeFlow(t, 0));
  const json j = results::summarizeTest(t, {});
  const json& m = j.at("metrics");
  EXPECT_EQ(m.at("sent_packets"), 1000) << "the load's packets only";
  EXPECT_EQ(m.at("lost_packets"), 0) << "the probe's lost ping is the probe's, not the load's";
  EXPECT_DOUBLE_EQ(m.at("throughput_gbps").get<double>(), 1.0);
  EXPECT_NEAR(m.at("latency_us").at("p99").get<double>(), 50, 0.05);
  EXPECT_NEAR(m.at("idle_latency_us").at("p99").get<double>(), 20, 0.02);
  EXPECT_NEAR(m.at("latency_increase_us").at("p99").get<double>(), 30, 0.1);
  EXPECT_EQ(m.at("probe").at("lost_packets"), 1);
  EXPECT_EQ(m.at("probe").at("dscp"), 46);
  EXPECT_EQ(m.at("probe").at("dscp_received"), 46);
  EXPECT_EQ(m.at("probe").at("iterations"), 3);
  EXPECT_EQ(m.at("probe").at("idle_iterations"), 3);
  const auto flat = slo::flattenMetrics(j);
  EXPECT_NEAR(flat.at("latency_us.p99"), 50, 0.05) << "a stream test with a probe has latency metrics";
  EXPECT_EQ(flat.at("probe.lost_packets"), 1);
  EXPECT_EQ(flat.count("probe.size_bytes"), 0u) << "a parameter, not a measurement";
  EXPECT_EQ(flat.count("iterations"), 0u) << "the pingpong-test metric is not the probe's";
  // Raw histograms: the probe's two phases, lossless.
  const json& h = j.at("histograms");
  EXPECT_EQ(measure::LatencyHistogram::fromJson(h.at("latency_ns")).percentile(50), 50'000);
  EXPECT_EQ(measure::LatencyHistogram::fromJson(h.at("idle_latency_ns")).count(), 3u);
  EXPECT_FALSE(h.contains("one_way_latency_ns")) << "not measured";
}

TEST(ProbeSummary, AProbeWithoutRepliesHasNoLatencyAndItsSlosAreSkipped) {
  model::TestOutcome t = probedOutcome();
  t.pingpongs[0].rtt_ns = measure::LatencyHistogram();
  t.pingpongs[0].measured = 0;
  const json j = results::summarizeTest(t, {});
  EXPECT_FALSE(j.at("metrics").contains("latency_us"));
  EXPECT_FALSE(j.at("metrics").contains("latency_increase_us"));
  const auto flat = slo::flattenMetrics(j);
  const auto r = slo::evaluate({"latency_us.p99 <= 100", {}}, flat, {}, "");
  EXPECT_EQ(r.verdict, slo::Verdict::kSkipped) << "a missing metric is never a pass";
}

TEST(ProbeSummary, ATestWithoutAProbeIsUnchanged) {
  model::TestOutcome t = probedOutcome();
  t.spec.probe.reset();
  t.plan.flows.pop_back();
  t.pingpongs.clear();
  t.probe.idle_pingpongs.clear();
  t.responders.clear();
  const json j = results::summarizeTest(t, {});
  EXPECT_FALSE(j.at("metrics").contains("probe"));
  EXPECT_FALSE(j.at("metrics").contains("latency_us"));
  EXPECT_TRUE(j.at("histograms").empty());
}

}  // namespace
}  // namespace fabcheck
