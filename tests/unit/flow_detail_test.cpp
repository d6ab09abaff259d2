// A test's flows at scale (harness/results/flow_detail.h) and the suite's `report:` key that
// sets how many it keeps (harness/suite/report_loader.h).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness/results/flow_detail.h"
#include "harness/suite/suite_loader.h"

namespace fabcheck::results {
namespace {

using nlohmann::json;

// `n` flows at 1 Gbit/s of a 1 Gbit/s target without loss, but flow `lossy` lost 5 of 100
// packets and flow `slow` ran at 0.5 Gbit/s.
json recordWithFlows(int n, int lossy, int slow) {
  json flows = json::array();
  for (int i = 0; i < n; ++i) {
    flows.push_back({{"flow_id", i}, {"sender_agent", i}, {"receiver_agent", (i + 1) % n},
                     {"sender_host", "h" + std::to_string(i)}, {"receiver_host", "h" + std::to_string((i + 1) % n)},
                     {"sent_packets", 100}, {"received_packets", i == lossy ? 95 : 100},
                     {"lost_packets", i == lossy ? 5 : 0}, {"throughput_gbps", i == slow ? 0.5 : 1.0},
                     {"target_gbps", 1.0}});
  }
  return {{"name", "ring"}, {"metrics", {{"throughput_gbps", n * 1.0}, {"per_flow", flows}}}};
}

TEST(FlowDetail, AboveInlineFlowsOnlyTheWorstStayWorstFirst) {
  json record = recordWithFlows(200, 150, 30);
  suite::ReportSettings s;
  s.worst_flows = 4;
  s.flows_sidecar = true;
  const json all = keepFlows(record, s);
  ASSERT_EQ(all.size(), 200u) << "every flow for the sidecar";
  const json& kept = record["metrics"]["per_flow"];
  ASSERT_EQ(kept.size(), 4u);
  EXPECT_EQ(kept[0]["flow_id"], 150) << "loss first";
  EXPECT_EQ(kept[1]["flow_id"], 30) << "then the lowest throughput against the target";
  EXPECT_EQ(kept[2]["flow_id"], 0);
  EXPECT_EQ(kept[3]["flow_id"], 1);
  const json& f = record["flows"];
  EXPECT_EQ(f["count"], 200);
  EXPECT_EQ(f["kept"], "worst");
  EXPECT_EQ(f["kept_count"], 4);
  EXPECT_EQ(f["throughput_gbps"], json({{"min", 0.5}, {"p50", 1.0}, {"p99", 1.0}, {"max", 1.0}}));
  EXPECT_DOUBLE_EQ(f["loss_ratio"]["max"].get<double>(), 0.05);
  EXPECT_DOUBLE_EQ(f["loss_ratio"]["p99"].get<double>(), 0.0) << "nearest rank: 1 of 200 is above p99";
  ASSERT_EQ(f["worst"].size(), 4u);
  EXPECT_EQ(f["worst"][0]["by"], "loss");
  EXPECT_EQ(f["worst"][0]["sender_host"], "h150");
  EXPECT_EQ(f["worst"][1]["by"], "throughput");
  // h0 and h1 are each in two of the 4 worst flows (30→31, 150→151, 0→1, 1→2).
  EXPECT_EQ(f["worst_hosts"], json::array({{{"host", "h1"}, {"flows", 2}}}));
}

TEST(FlowDetail, AutoKeepsEveryFlowOfASmallTestInItsOrder) {
  json record = recordWithFlows(64, 3, 9);
  const json before = record["metrics"]["per_flow"];
  const json all = keepFlows(record, suite::ReportSettings{});
  EXPECT_TRUE(all.empty()) << "no sidecar asked";
  EXPECT_EQ(record["metrics"]["per_flow"], before);
  EXPECT_EQ(record["flows"]["kept"], "all");
  EXPECT_EQ(record["flows"]["kept_count"], 64);
  EXPECT_EQ(record["flows"]["worst"][0]["flow_id"], 3);
  EXPECT_EQ(record["flows"]["worst"].size(), 5u) << "at most 5 named in the summary";
}

TEST(FlowDetail, AllAndWorstOverrideTheFlowCount) {
  suite::ReportSettings all;
  all.per_flow = "all";
  json big = recordWithFlows(500, 1, 2);
  keepFlows(big, all);
  EXPECT_EQ(big["metrics"]["per_flow"].size(), 500u);
  suite::ReportSettings worst;
  worst.per_flow = "worst";
  worst.worst_flows = 2;
  json small = recordWithFlows(3, 1, 2);
  keepFlows(small, worst);
  EXPECT_EQ(small["metrics"]["per_flow"].size(), 2u);
  EXPECT_EQ(small["flows"]["kept"], "worst");
}

TEST(FlowDetail, ARecordWithoutFlowsIsLeftAsItIs) {
  json record = {{"name", "pp"}, {"metrics", {{"latency_us", {{"p99", 3}}}, {"per_flow", json::array()}}}};
  const json before = record;
  suite::ReportSettings s;
  s.flows_sidecar = true;
  EXPECT_TRUE(keepFlows(record, s).empty());
  EXPECT_EQ(record, before);
  json odd = {{"metrics", 3}};
  EXPECT_TRUE(keepFlows(odd, s).empty());
}

std::vector<std::string> reportErrorsOf(const std::string& yaml) {
  try {
    suite::parseSuite(yaml, "s.yaml", {});
  } catch (const suite::SuiteError& e) {
    std::vector<std::string> out;
    for (const auto& d : e.diagnostics()) out.push_back(d.str());
    return out;
  }
  return {};
}

TEST(SuiteReport, KeysAreReadAndSiteFilesWin) {
  const suite::Suite s = suite::parseSuite(R"(name: r
report: {per_flow: worst, worst_flows: 7, flows_sidecar: true}
tests:
  - name: a
    pattern: stream
)", "s.yaml", {{"site.yaml", "report: {worst_flows: 9, inline_flows: 10}\n"}});
  EXPECT_EQ(s.report.per_flow, "worst");
  EXPECT_EQ(s.report.worst_flows, 9);
  EXPECT_EQ(s.report.inline_flows, 10);
  EXPECT_TRUE(s.report.flows_sidecar);
  const suite::Suite d = suite::parseSuite("name: d\ntests:\n  - name: a\n    pattern: stream\n", "d.yaml", {});
  EXPECT_EQ(d.report.per_flow, "auto");
  EXPECT_EQ(d.report.worst_flows, 20);
  EXPECT_EQ(d.report.inline_flows, 64);
  EXPECT_FALSE(d.report.flows_sidecar);
}

TEST(SuiteReport, BadValuesAreDiagnosedAtTheirPlace) {
  const auto errors = reportErrorsOf(R"(name: r
report:
  per_flow: some
  worst_flows: 0
  flows_sidecars: true
tests:
  - name: a
    pattern: stream
)");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_NE(errors[0].find("s.yaml:3:13: report.per_flow 'some'"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("s.yaml:4:16: report.worst_flows '0': expected a whole number from 1 to 10000"),
            std::string::npos) << errors[1];
  EXPECT_NE(errors[2].find("did you mean 'flows_sidecar'?"), std::string::npos) << errors[2];
}

}  // namespace
}  // namespace fabcheck::results
