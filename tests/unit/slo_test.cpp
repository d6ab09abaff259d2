// The SLO layer: metric registry and flattening, expressions, verdicts, suite validation, docs.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "generators/core/errors.h"
#include "harness/results/measurements.h"
#include "harness/slo/metric_registry.h"
#include "harness/slo/slo_expression.h"
#include "harness/slo/verdict.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::slo {
namespace {

using nlohmann::json;
using testing::errorOf;

const Constants kTen = {{"line_rate_gbps", 10}, {"flows", 4}};

std::string parseError(const std::string& text, const Constants& c = kTen) {
  return errorOf<ConfigError>([&] { parseSlo(text, c); });
}

// ---- expressions ---------------------------------------------------------------------

TEST(SloExpression, EveryComparisonOperatorParses) {
  const std::pair<const char*, Comparison> cases[] = {
      {"loss_ratio < 1", Comparison::kLess},         {"loss_ratio <= 1", Comparison::kLessEqual},
      {"loss_ratio > 1", Comparison::kGreater},      {"loss_ratio >= 1", Comparison::kGreaterEqual},
      {"loss_ratio == 1", Comparison::kEqual},       {"loss_ratio != 1", Comparison::kNotEqual}};
  for (const auto& [text, op] : cases) {
    const SloExpression e = parseSlo(text, {});
    EXPECT_EQ(e.op, op) << text;
    EXPECT_EQ(e.metric, "loss_ratio");
    EXPECT_EQ(e.threshold, 1);
    EXPECT_EQ(e.threshold_text, "1");
  }
  EXPECT_EQ(parseSlo("loss_ratio==0", {}).op, Comparison::kEqual);  // blanks are optional
}

TEST(SloExpression, TheIssueExamplesParse) {
  EXPECT_EQ(parseSlo("latency_us.p99 <= 25", kTen).threshold, 25);
  EXPECT_EQ(parseSlo("loss_ratio == 0", kTen).threshold, 0);
  const SloExpression t = parseSlo("throughput_gbps.per_flow.min >= 0.9 * line_rate_gbps", kTen);
  EXPECT_EQ(t.metric, "throughput_gbps.per_flow.min");
  EXPECT_DOUBLE_EQ(t.threshold, 9);
  EXPECT_EQ(t.threshold_text, "0.9 * line_rate_gbps");
  EXPECT_DOUBLE_EQ(parseSlo("jain_fairness >= 0.95", kTen).threshold, 0.95);
  const SloExpression s = parseSlo("start_skew_us.p99 <= 50", kTen);
  EXPECT_EQ(s.metric, "start_skew_us") << "an alias resolves to the canonical metric";
  EXPECT_EQ(s.metric_as_written, "start_skew_us.p99");
}

TEST(SloExpression, ArithmeticFollowsTheUsualPrecedence) {
  auto rhs = [](const std::string& expr) { return parseSlo("throughput_gbps >= " + expr, kTen).threshold; };
  EXPECT_DOUBLE_EQ(rhs("2 + 3 * 4"), 14);
  EXPECT_DOUBLE_EQ(rhs("(2 + 3) * 4"), 20);
  EXPECT_DOUBLE_EQ(rhs("10 - 4 - 3"), 3);     // left to right
  EXPECT_DOUBLE_EQ(rhs("8 / 4 / 2"), 1);
  EXPECT_DOUBLE_EQ(rhs("-2 * 3"), -6);
  EXPECT_DOUBLE_EQ(rhs("- -2"), 2);
  EXPECT_DOUBLE_EQ(rhs("+.5"), 0.5);
  EXPECT_DOUBLE_EQ(rhs("1e-3"), 0.001);
  EXPECT_DOUBLE_EQ(rhs("2.5E2"), 250);
  EXPECT_DOUBLE_EQ(rhs("line_rate_gbps / flows"), 2.5);
  EXPECT_DOUBLE_EQ(rhs("0.9*(line_rate_gbps-2)"), 7.2);
}

TEST(SloExpression, SyntaxErrorsNameTheColumnAndWhatWasExpected) {
  EXPECT_EQ(parseError("latency_us.p99 <== 25"),
            "slo 'latency_us.p99 <== 25': unexpected '=' at column 18; expected a number or a constant");
  EXPECT_EQ(parseError("loss_ratio = 0"),
            "slo 'loss_ratio = 0': unexpected '=' at column 12; expected a comparison (<, <=, >, >=, ==, !=); "
            "did you mean '=='?");
  EXPECT_EQ(parseError("latency_us.p99"),
            "slo 'latency_us.p99': unexpected end at column 15; expected a comparison (<, <=, >, >=, ==, !=)");
  EXPECT_EQ(parseError("latency_us.p99 <= "),
            "slo 'latency_us.p99 <= ': unexpected end at column 19; expected a number or a constant");
  EXPECT_EQ(parseError("latency_us.p99 <= 25us"),
            "slo 'latency_us.p99 <= 25us': unexpected 'us' at column 21; the threshold is a plain number in the "
            "metric's unit (us), without a unit");
  EXPECT_EQ(parseError("latency_us.p99 <= (1 + 2"),
            "slo 'latency_us.p99 <= (1 + 2': unexpected end at column 25; expected ')' to close '(' at column 19");
  EXPECT_EQ(parseError("latency_us.p99 <= 25 30"),
            "slo 'latency_us.p99 <= 25 30': unexpected '30' at column 22; expected an operator (+, -, *, /) or the end");
  EXPECT_EQ(parseError("25 >= latency_us.p99"),
            "slo '25 >= latency_us.p99': unexpected '25' at column 1; expected a metric name like latency_us.p99");
  EXPECT_EQ(parseError(""), "slo '': is empty; expected 'metric op threshold' like 'loss_ratio == 0'");
  EXPECT_EQ(parseError("latency_us.p99 <= 1 / 0"), "slo 'latency_us.p99 <= 1 / 0': division by zero at column 21");
  EXPECT_EQ(parseError("latency_us.p99 \xE2\x89\xA4 25"),
            "slo 'latency_us.p99 \xE2\x89\xA4 25': unexpected '\xE2\x89\xA4' at column 16; expected a comparison "
            "(<, <=, >, >=, ==, !=)");
  EXPECT_EQ(parseError("throughput_gbps >= 90%"),
            "slo 'throughput_gbps >= 90%': unexpected '%' at column 22; expected an operator (+, -, *, /) or the end");
}

// slo_fuzz (issue 19): "latency_us.p99 <6---...---" (3 KB of signs) overflowed the stack, the
// parser recursing once per sign. Signs are now read in a loop, and parentheses nest at most 64 deep.
TEST(SloExpression, LongRunsOfSignsAndDeepParenthesesDoNotExhaustTheStack) {
  EXPECT_EQ(parseSlo("loss_ratio <= " + std::string(100001, '-') + "1", kTen).threshold, -1);
  EXPECT_EQ(parseSlo("loss_ratio <= 6" + std::string(100000, '-') + "+1", kTen).threshold, 7);  // 6 - (-...-(+1))
  EXPECT_EQ(parseSlo("loss_ratio <= " + std::string(64, '(') + "2" + std::string(64, ')'), kTen).threshold, 2);
  EXPECT_EQ(parseError("loss_ratio <= " + std::string(100000, '(') + "2"),
            "slo 'loss_ratio <= " + std::string(100000, '(') + "2': parentheses nested deeper than 64 at column 79");
}

TEST(SloExpression, UnknownMetricsAndConstantsAreNamedWithASuggestion) {
  EXPECT_EQ(parseError("latency.p99 <= 25"),
            "slo 'latency.p99 <= 25': unknown metric 'latency.p99' at column 1; did you mean 'latency_us.p99'? "
            "(the metrics are listed in docs/metrics.md)");
  EXPECT_NE(parseError("per_flow_throughput_gbps.min >= 1").find("did you mean 'throughput_gbps.per_flow.min'?"),
            std::string::npos)
      << "the JSON report's spelling points at the SLO spelling";
  EXPECT_EQ(parseError("frobs <= 1"),
            "slo 'frobs <= 1': unknown metric 'frobs' at column 1 (the metrics are listed in docs/metrics.md)");
  EXPECT_EQ(parseError("throughput_gbps >= 0.9 * line_rate"),
            "slo 'throughput_gbps >= 0.9 * line_rate': unknown constant 'line_rate' at column 26; did you mean "
            "'line_rate_gbps'?; expected a number or one of line_rate_gbps, mtu, size_bytes, flows, rate_gbps");
  EXPECT_EQ(parseError("throughput_gbps >= 0.9 * line_rate_gbps", {}),
            "slo 'throughput_gbps >= 0.9 * line_rate_gbps': constant 'line_rate_gbps' at column 26 has no value for "
            "this test; it comes from fabric.line_rate_gbps in the suite or a site file (not set while it is 0 = "
            "unknown)");
  EXPECT_EQ(parseError("throughput_gbps >= offered_gbps"),
            "slo 'throughput_gbps >= offered_gbps': 'offered_gbps' at column 20 is a metric; the right side takes "
            "numbers and constants only");
}

TEST(SloExpression, EqualityIsExactAgainstZeroAndRelativeOtherwise) {
  EXPECT_TRUE(holds(0, Comparison::kEqual, 0));
  EXPECT_FALSE(holds(1e-300, Comparison::kEqual, 0)) << "loss_ratio == 0 means no loss at all";
  EXPECT_TRUE(holds(1e-300, Comparison::kNotEqual, 0));
  EXPECT_TRUE(holds(0.1 * 3, Comparison::kEqual, 0.3));  // 0.30000000000000004
  EXPECT_FALSE(holds(0.1 * 3, Comparison::kGreater, 0.3)) << "equal values are not greater";
  EXPECT_TRUE(holds(0.1 * 3, Comparison::kLessEqual, 0.3));
  EXPECT_FALSE(holds(9.0001, Comparison::kEqual, 9));
  EXPECT_TRUE(holds(9.0001, Comparison::kGreater, 9));
  EXPECT_TRUE(holds(8.9, Comparison::kLess, 9));
  EXPECT_FALSE(holds(9, Comparison::kLess, 9));
  EXPECT_TRUE(holds(9, Comparison::kGreaterEqual, 9));
  EXPECT_FALSE(holds(std::nan(""), Comparison::kNotEqual, 1));
  EXPECT_FALSE(holds(std::nan(""), Comparison::kLessEqual, 1));
}

// ---- registry and flattening -----------------------------------------------------------

engine::ReceiverResult receiver(uint32_t id, uint64_t received, uint64_t lost, uint64_t measured_bytes) {
  engine::ReceiverResult r;
  r.flow_id = id;
  r.sequence.received = received;
  r.sequence.lost = lost;
  r.measured_packets = received;
  r.measured_bytes = measured_bytes;
  return r;
}

engine::SenderResult sender(uint32_t id, uint64_t packets, int64_t measured_ns) {
  engine::SenderResult s;
  s.flow_id = id;
  s.packets = packets;
  s.measured_ns = measured_ns;
  s.measured_bytes = packets * 1000;
  return s;
}

// Two stream flows over 1 s: 8 and 4 Gbit/s, 10 of 2000 packets lost.
results::Measurements streamMeasurements() {
  results::Measurements m;
  m.params.kind = patterns::PatternKind::kStream;
  m.params.flows = 2;
  m.senders = {sender(0, 1000, 1'000'000'000), sender(1, 1000, 1'000'000'000)};
  m.receivers = {receiver(0, 1000, 0, 1'000'000'000), receiver(1, 990, 10, 500'000'000)};
  return m;
}

TEST(MetricRegistry, FlattensAStreamSummaryUnderTheDocumentedNames) {
  const json summary = {{"name", "elephants"},  {"pattern", "stream"}, {"placement", "pairs"},
                        {"error", nullptr},     {"start_skew_us", 12.5}, {"start_skew_bound_us", 3.0},
                        {"metrics", results::summarize(streamMeasurements())}};
  const auto m = flattenMetrics(summary);
  EXPECT_EQ(m.at("sent_packets"), 2000);
  EXPECT_EQ(m.at("lost_packets"), 10);
  EXPECT_DOUBLE_EQ(m.at("loss_ratio"), 0.005);
  EXPECT_DOUBLE_EQ(m.at("throughput_gbps"), 12);
  EXPECT_DOUBLE_EQ(m.at("throughput_gbps.per_flow.min"), 4);
  EXPECT_DOUBLE_EQ(m.at("throughput_gbps.per_flow.max"), 8);
  EXPECT_DOUBLE_EQ(m.at("throughput_gbps.per_flow.mean"), 6);
  EXPECT_DOUBLE_EQ(m.at("jain_fairness"), 144.0 / (2 * 80));
  EXPECT_DOUBLE_EQ(m.at("start_skew_us"), 12.5);
  EXPECT_DOUBLE_EQ(m.at("start_skew_bound_us"), 3);
  EXPECT_EQ(m.count("latency_us.p99"), 0u) << "a stream has no round trips";
  EXPECT_EQ(m.count("per_flow_throughput_gbps.min"), 0u) << "only the SLO spelling";
  EXPECT_EQ(m.count("size_bytes"), 0u) << "parameters are not metrics";
  EXPECT_EQ(m.count("dscp_received"), 0u) << "null in the summary: not available";
  for (const auto& [name, value] : m) {
    const MetricInfo* info = findMetric(name);
    ASSERT_NE(info, nullptr) << name;
    EXPECT_EQ(info->name, name) << "only canonical names";
  }
}

TEST(MetricRegistry, APingpongSummaryHasLatencyButNotFlowMetrics) {
  results::Measurements m;
  m.params.kind = patterns::PatternKind::kPingpong;
  m.params.size_bytes = 64;
  engine::PingpongResult p;
  p.sent = p.replies = p.measured = 100;
  p.measured_ns = 1'000'000;
  for (int i = 1; i <= 100; ++i) p.rtt_ns.record(i * 1000);  // 1..100 us
  m.pingpongs = {p};
  const json summary = {{"pattern", "pingpong"}, {"placement", "matrix"}, {"start_skew_us", nullptr},
                        {"metrics", results::summarize(m)}};
  ASSERT_TRUE(summary["metrics"].contains("reordered_packets")) << "the summary carries a placeholder";
  const auto flat = flattenMetrics(summary);
  EXPECT_NEAR(flat.at("latency_us.p99"), 99, 1);
  EXPECT_NEAR(flat.at("latency_us.max"), 100, 1);
  EXPECT_EQ(flat.at("latency_us.count"), 100);
  EXPECT_EQ(flat.at("iterations"), 100);
  EXPECT_EQ(flat.at("loss_ratio"), 0);
  EXPECT_EQ(flat.count("reordered_packets"), 0u) << "pingpong does not account reordering; never a vacuous pass";
  EXPECT_EQ(flat.count("jain_fairness"), 0u);
  EXPECT_EQ(flat.count("start_skew_us"), 0u);
}

TEST(MetricRegistry, FlattensLiteralJsonSkippingArraysStringsAndNulls) {
  const json metrics = {{"pattern", "microburst"},
                        {"loss_ratio", 0.25},
                        {"bursts_sent", 7},
                        {"burst_spread_us", {{"p99", 4.5}, {"max", nullptr}}},
                        {"per_flow", json::array({{{"throughput_gbps", 1.0}}})},
                        {"timestamp_source", "software"},
                        {"same_clock", true},
                        {"latency_us", {{"p99", 3.0}}},
                        {"mystery", 1.0}};
  const auto flat = flattenMetrics(json{{"pattern", "microburst"}, {"placement", "incast"}, {"metrics", metrics}});
  const std::map<std::string, double> expected = {
      {"loss_ratio", 0.25}, {"bursts_sent", 7}, {"burst_spread_us.p99", 4.5}};
  EXPECT_EQ(flat, expected) << "latency_us is not an incast metric; unknown keys are dropped";
  EXPECT_EQ(flattenMetrics(metrics), expected) << "a bare summarize() object works too";
  EXPECT_TRUE(flattenMetrics(json::array()).empty());
  EXPECT_TRUE(flattenMetrics(json(nullptr)).empty());
}

TEST(MetricRegistry, EveryNumberASummaryProducesIsARegistryMetric) {
  results::Measurements m = streamMeasurements();
  m.params.kind = patterns::PatternKind::kMicroburst;
  m.receivers[0].dscp_seen = 26;
  measure::LatencyHistogram h;
  h.record(5000);
  m.receivers[0].one_way_ns = h;
  m.receivers[0].burst_spread_ns = h;
  m.receivers[0].burst_completion_ns = h;
  const json s = results::summarize(m);
  const std::set<std::string> parameters = {"size_bytes", "flows"};  // echoed test parameters, not measurements
  std::function<void(const json&, const std::string&)> walk = [&](const json& j, const std::string& prefix) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      std::string name = prefix.empty() ? it.key() : prefix + "." + it.key();
      if (name == "per_flow_throughput_gbps") name = "throughput_gbps.per_flow";
      if (name == "intervals") continue;  // the throughput time series: a report view, not SLO metrics
      if (it->is_object()) {
        walk(*it, name);
      } else if (it->is_number() && !parameters.count(name)) {
        EXPECT_NE(findMetric(name), nullptr) << name << " is not in the registry";
      }
    }
  };
  walk(s, "");
  // 13 packet metrics (dscp and send_error_packets included), 5 rates, 3 per-flow + jain, 3 burst
  // counts, 3 histograms of 10.
  EXPECT_EQ(flattenMetrics(s).size(), 13u + 5 + 4 + 3 + 30) << "every metric of a full microburst summary";
}

TEST(MetricRegistry, FindsNamesAndAliasesAndSaysWhoProducesThem) {
  ASSERT_NE(findMetric("latency_us.p99"), nullptr);
  EXPECT_EQ(findMetric("latency_us.p99")->unit, "us");
  EXPECT_EQ(findMetric("start_skew_us.max"), findMetric("start_skew_us"));
  EXPECT_EQ(findMetric("latency_us"), nullptr) << "a family is not a metric";
  EXPECT_EQ(nearestMetric("jain_fairnes"), "jain_fairness");
  EXPECT_EQ(nearestMetric("zzzzzz"), "");
  EXPECT_EQ(metricPattern(patterns::PatternKind::kMicroburst, patterns::Placement::kIncast), "incast");
  EXPECT_EQ(metricPattern(patterns::PatternKind::kMicroburst, patterns::Placement::kPairs), "microburst");
  EXPECT_EQ(metricPattern(patterns::PatternKind::kPingpong, patterns::Placement::kIncast), "pingpong");
  EXPECT_TRUE(producedBy(*findMetric("latency_us.p99"), "pingpong"));
  EXPECT_FALSE(producedBy(*findMetric("latency_us.p99"), "stream"));
  EXPECT_EQ(patternList(*findMetric("bursts_sent")), "microburst, incast");
}

// ---- verdicts --------------------------------------------------------------------------

suite::Slo slo(const std::string& text, int line = 7) { return {text, {"s.yaml", line, 9}}; }

TEST(SloVerdict, PassAndFailCarryObservedAndThreshold) {
  const std::map<std::string, double> m = {{"latency_us.p99", 31.25}, {"throughput_gbps.per_flow.min", 8.5},
                                           {"loss_ratio", 0}, {"start_skew_us", 12}, {"sent_packets", 123456789}};
  const SloResult fail = evaluate(slo("latency_us.p99 <= 25"), m, kTen, "");
  EXPECT_EQ(fail.verdict, Verdict::kFail);
  EXPECT_EQ(fail.observed, 31.25);
  EXPECT_EQ(fail.threshold, 25);
  EXPECT_EQ(fail.metric, "latency_us.p99");
  EXPECT_EQ(fail.unit, "us");
  EXPECT_EQ(fail.reason, "latency_us.p99 = 31.25 us, expected <= 25 us");
  EXPECT_EQ(fail.pos.str(), "s.yaml:7:9");
  EXPECT_EQ(fail.expression, "latency_us.p99 <= 25");

  const SloResult pass = evaluate(slo("latency_us.p99 <= 40"), m, kTen, "");
  EXPECT_EQ(pass.verdict, Verdict::kPass);
  EXPECT_EQ(pass.reason, "latency_us.p99 = 31.25 us, within <= 40 us");

  const SloResult computed = evaluate(slo("throughput_gbps.per_flow.min >= 0.9 * line_rate_gbps"), m, kTen, "");
  EXPECT_EQ(computed.verdict, Verdict::kFail);
  EXPECT_DOUBLE_EQ(computed.threshold, 9);
  EXPECT_EQ(computed.reason, "throughput_gbps.per_flow.min = 8.5 Gbit/s, expected >= 0.9 * line_rate_gbps = 9 Gbit/s");

  EXPECT_EQ(evaluate(slo("loss_ratio == 0"), m, kTen, "").verdict, Verdict::kPass);
  EXPECT_EQ(evaluate(slo("loss_ratio == 0"), m, kTen, "").reason, "loss_ratio = 0, within == 0");
  EXPECT_EQ(evaluate(slo("start_skew_us.p99 <= 50"), m, kTen, "").verdict, Verdict::kPass);
  EXPECT_EQ(evaluate(slo("sent_packets >= 2e8"), m, kTen, "").reason,
            "sent_packets = 123456789 packets, expected >= 2e8 = 200000000 packets");
}

TEST(SloVerdict, AMissingMetricIsSkippedNeverPassed) {
  const SloResult r = evaluate(slo("jain_fairness >= 0.95"), {{"loss_ratio", 0}}, kTen, "");
  EXPECT_EQ(r.verdict, Verdict::kSkipped);
  EXPECT_FALSE(r.observed.has_value());
  EXPECT_EQ(r.reason,
            "metric 'jain_fairness' is not available in this test's results (produced by stream, microburst, incast, "
            "when at least 2 receiving flows)");
  const SloResult alias = evaluate(slo("start_skew_us.p99 <= 50"), {}, kTen, "");
  EXPECT_EQ(alias.verdict, Verdict::kSkipped);
  EXPECT_NE(alias.reason.find("'start_skew_us.p99'"), std::string::npos) << alias.reason;
}

TEST(SloVerdict, AnErroredTestOrABadExpressionIsAnError) {
  const std::map<std::string, double> m = {{"loss_ratio", 0}};
  const SloResult r = evaluate(slo("loss_ratio == 0"), m, kTen, "agent 2 (node7): lost the control connection");
  EXPECT_EQ(r.verdict, Verdict::kError);
  EXPECT_FALSE(r.observed.has_value());
  EXPECT_EQ(r.reason, "the test did not complete: agent 2 (node7): lost the control connection");
  const SloResult bad = evaluate(slo("loss_ratio <== 0"), m, kTen, "");
  EXPECT_EQ(bad.verdict, Verdict::kError);
  EXPECT_EQ(bad.reason, "slo 'loss_ratio <== 0': unexpected '=' at column 14; expected a number or a constant");
}

// Issue 19: an SLO's own error was hidden when the test had an error too; both are named.
TEST(SloVerdict, ABadExpressionInAnErroredTestNamesBothErrors) {
  const SloResult r = evaluate(slo("loss_ratio <== 0"), {}, kTen, "agent 2 (node7): lost the control connection");
  EXPECT_EQ(r.verdict, Verdict::kError);
  EXPECT_EQ(r.reason, "slo 'loss_ratio <== 0': unexpected '=' at column 14; expected a number or a constant"
                      "; and the test did not complete: agent 2 (node7): lost the control connection");
}

TEST(SloVerdict, TheTestVerdictIsErrorThenFailThenSkippedThenPass) {
  auto with = [](std::vector<Verdict> vs) {
    std::vector<SloResult> rs;
    for (auto v : vs) rs.push_back(SloResult{.verdict = v});
    return rs;
  };
  using V = Verdict;
  EXPECT_EQ(testVerdict(with({V::kPass, V::kFail, V::kError}), ""), V::kError);
  EXPECT_EQ(testVerdict(with({V::kPass, V::kFail, V::kSkipped}), ""), V::kFail);
  EXPECT_EQ(testVerdict(with({V::kPass, V::kSkipped}), ""), V::kPass);
  EXPECT_EQ(testVerdict(with({V::kSkipped, V::kSkipped}), ""), V::kSkipped);
  EXPECT_EQ(testVerdict(with({}), ""), V::kPass) << "a test without SLOs that ran passes";
  EXPECT_EQ(testVerdict(with({}), "timed out"), V::kError);
  EXPECT_EQ(testVerdict(with({V::kPass}), "timed out"), V::kError);
  EXPECT_EQ(toString(V::kSkipped), "skipped");
}

// ---- suite validation ------------------------------------------------------------------

suite::SuiteTest test(const std::string& name, patterns::PatternKind kind, patterns::Placement placement,
                      std::vector<suite::Slo> slos) {
  suite::SuiteTest t;
  t.spec.name = name;
  t.spec.params.kind = kind;
  t.spec.placement = placement;
  t.slos = std::move(slos);
  return t;
}

TEST(SloValidation, ReportsEveryBadSloAtItsPosition) {
  using K = patterns::PatternKind;
  using P = patterns::Placement;
  suite::Suite s;
  s.file = "s.yaml";
  s.tests = {
      test("latency", K::kPingpong, P::kMatrix, {slo("latency_us.p99 <= 25", 5), slo("loss_ratio == 0", 6)}),
      test("elephants", K::kStream, P::kPairs,
           {slo("latency_us.p99 <= 25", 10), slo("throughput_gbps.per_flow.min >= 0.9 * line_rate_gbps", 11),
            slo("jain_fairness >= 0.95", 12), slo("start_skew_us.p99 <= 50", 13)}),
      test("incast", K::kMicroburst, P::kIncast, {slo("burst_spread_us.p99 < 100", 20), slo("bursts_lost == 0", 21)}),
      test("ping-incast", K::kPingpong, P::kIncast, {slo("latency_us.p50 < 10", 30), slo("bursts_sent > 0", 31)}),
  };
  std::vector<std::string> got;
  for (const auto& d : validateSlos(s)) got.push_back(d.str());
  const std::vector<std::string> expected = {
      "s.yaml:10:9: slo 'latency_us.p99 <= 25': metric 'latency_us.p99' is not produced by pattern stream (test "
      "'elephants'); it comes from pingpong, a test with a probe",
      "s.yaml:11:9: slo 'throughput_gbps.per_flow.min >= 0.9 * line_rate_gbps': constant 'line_rate_gbps' at column "
      "39 has no value for this test; it comes from fabric.line_rate_gbps in the suite or a site file (not set while "
      "it is 0 = unknown)",
      "s.yaml:21:9: slo 'bursts_lost == 0': unknown metric 'bursts_lost' at column 1; did you mean 'bursts_sent'? "
      "(the metrics are listed in docs/metrics.md)",
      "s.yaml:31:9: slo 'bursts_sent > 0': metric 'bursts_sent' is not produced by pattern pingpong (test "
      "'ping-incast'); it comes from microburst, incast",
  };
  EXPECT_EQ(got, expected);

  s.fabric.line_rate_gbps = 100;
  EXPECT_EQ(validateSlos(s).size(), 3u) << "with a line rate the constant resolves";
}

TEST(SloValidation, ConstantsComeFromTheFabricAndTheTest) {
  suite::Suite s;
  suite::SuiteTest t = test("t", patterns::PatternKind::kStream, patterns::Placement::kPairs, {});
  t.spec.params.size_bytes = 9000;
  t.spec.params.flows = 4;
  Constants c = constantsFor(s, t);
  EXPECT_EQ(c, (Constants{{"size_bytes", 9000}, {"flows", 4}})) << "unknown fabric values and no rate: not set";
  s.fabric.line_rate_gbps = 400;
  s.fabric.mtu = 4200;
  t.spec.params.rate_bps = 25e9;
  c = constantsFor(s, t);
  EXPECT_EQ(c.at("line_rate_gbps"), 400);
  EXPECT_EQ(c.at("mtu"), 4200);
  EXPECT_EQ(c.at("rate_gbps"), 25);
  for (const auto& [name, value] : c) {
    bool documented = false;
    for (const auto& k : constantRegistry()) documented |= k.name == name;
    EXPECT_TRUE(documented) << name;
  }
}

// ---- docs ------------------------------------------------------------------------------

// docs/metrics.md of this source tree (FABCHECK_SOURCE_DIR: __FILE__ may be relative under ccache).
std::string metricsDoc() { return testing::slurp(std::string(FABCHECK_SOURCE_DIR) + "/docs/metrics.md"); }

TEST(SloDocs, EveryMetricAliasAndConstantIsDocumented) {
  const std::string doc = metricsDoc();
  ASSERT_FALSE(doc.empty()) << "docs/metrics.md not found under " << FABCHECK_SOURCE_DIR;
  for (const auto& m : metricRegistry()) {
    EXPECT_NE(doc.find("| `" + m.name + "`"), std::string::npos) << m.name << " has no row in docs/metrics.md";
    for (const auto& a : m.aliases) EXPECT_NE(doc.find("`" + a + "`"), std::string::npos) << a;
    for (const auto& d : m.deprecated) {
      EXPECT_NE(doc.find("| `" + d + "` | `" + m.name + "` | " + m.unit + " |"), std::string::npos)
          << d << ": no row in docs/metrics.md's table of renamed metrics";
    }
    const std::string unit = m.unit.empty() ? "—" : m.unit;
    EXPECT_NE(doc.find("` | " + unit + " | " + m.meaning + " | " + patternList(m) + " |"), std::string::npos)
        << m.name << ": its row in docs/metrics.md does not match the registry";
  }
  for (const auto& c : constantRegistry()) {
    EXPECT_NE(doc.find("| `" + c.name + "` | " + c.unit + " | " + c.meaning + " |"), std::string::npos)
        << c.name << " has no matching row in docs/metrics.md";
  }
}

}  // namespace
}  // namespace fabcheck::slo
