// Finding the bad link or host in a pairwise matrix (harness/results/matrix_outliers.h) and
// marking it in the HTML heatmap.
#include "harness/results/matrix_outliers.h"

#include <gtest/gtest.h>

#include "harness/slo/metric_registry.h"
#include "reports/html_reporter.h"
#include "reports/svg_charts.h"
#include "tests/unit/canned_run.h"

namespace fabcheck::results {
namespace {

using nlohmann::json;

// 4 agents; every pair ran once, a → b with a < b (as the matrix placement's rounds do).
json bandwidthMatrix(double v01, double v02, double v03, double v12, double v13, double v23) {
  return {{"agents", {"agent 0 (n0)", "agent 1 (n1)", "agent 2 (n2)", "agent 3 (n3)"}},
          {"latency_us_p50", json::array({json::array({nullptr, nullptr, nullptr, nullptr}),
                                          json::array({nullptr, nullptr, nullptr, nullptr}),
                                          json::array({nullptr, nullptr, nullptr, nullptr}),
                                          json::array({nullptr, nullptr, nullptr, nullptr})})},
          {"throughput_gbps", json::array({json::array({nullptr, v01, v02, v03}), json::array({nullptr, nullptr, v12, v13}),
                                           json::array({nullptr, nullptr, nullptr, v23}),
                                           json::array({nullptr, nullptr, nullptr, nullptr})})}};
}

TEST(MatrixOutliers, AHostInEveryFlaggedPairIsNamed) {
  json record = {{"matrix", bandwidthMatrix(1.0, 0.2, 1.0, 0.2, 1.0, 0.2)}, {"metrics", json::object()}};
  addMatrixOutliers(record);
  const json& o = record["matrix"]["outliers"];
  EXPECT_EQ(o["metric"], "throughput_gbps");
  EXPECT_DOUBLE_EQ(o["median"].get<double>(), 0.6);
  EXPECT_DOUBLE_EQ(o["reference"].get<double>(), 1.0) << "half the pairs are slow: the better middle pair";
  ASSERT_EQ(o["pairs"].size(), 3u);
  EXPECT_EQ(o["suspect"], "agent 2 (n2)");
  const auto m = slo::flattenMetrics(json{{"pattern", "stream"}, {"placement", "matrix"}, {"metrics", record["metrics"]}});
  EXPECT_EQ(m.at("matrix.outlier_pairs"), 3) << "no retests: the first pass decides";
  EXPECT_EQ(m.at("matrix.first_pass_outlier_pairs"), 3);
  EXPECT_DOUBLE_EQ(m.at("matrix.bandwidth_gbps.min"), 0.2);
  EXPECT_DOUBLE_EQ(m.at("matrix.bandwidth_gbps.median"), 0.6);
}

TEST(MatrixOutliers, RetestsConfirmSomeFlagsAndClearTheOthers) {
  // First pass: agent 2's three pairs are slow (reference 1.0, flagged below 0.9). In the retests
  // (0,2) recovers, (1,2) and (2,3) stay slow.
  json record = {{"matrix", bandwidthMatrix(1.0, 0.2, 1.0, 0.2, 1.0, 0.2)}, {"metrics", json::object()}};
  OutlierRetests retests;
  retests.retests = 2;
  retests.values[{0, 2}] = {0.98};
  retests.values[{1, 2}] = {0.21, 0.19};
  retests.values[{2, 3}] = {std::nullopt, 0.2};
  addMatrixOutliers(record, kOutlierRatio, retests);
  const json& first = record["matrix"]["first_pass"];
  ASSERT_EQ(first["pairs"].size(), 3u);
  EXPECT_EQ(first["pairs"][0]["retests"], json::array({0.98}));
  EXPECT_EQ(first["pairs"][0]["confirmed"], false);
  EXPECT_EQ(first["pairs"][2]["retests"], json::array({nullptr, 0.2}));
  EXPECT_EQ(first["suspect"], "agent 2 (n2)");
  const json& o = record["matrix"]["outliers"];
  ASSERT_EQ(o["pairs"].size(), 2u);
  EXPECT_EQ(o["pairs"][0]["agents"], json::array({"agent 1 (n1)", "agent 2 (n2)"}));
  EXPECT_DOUBLE_EQ(o["pairs"][0]["first_pass"].get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(o["pairs"][0]["value"].get<double>(), 0.19) << "the last retest's value";
  EXPECT_EQ(o["cleared"], 1);
  EXPECT_EQ(o["retests"], 2);
  EXPECT_EQ(o["suspect"], "agent 2 (n2)") << "in both confirmed pairs";
  const auto m = slo::flattenMetrics(json{{"pattern", "stream"}, {"placement", "matrix"}, {"metrics", record["metrics"]}});
  EXPECT_EQ(m.at("matrix.outlier_pairs"), 2);
  EXPECT_EQ(m.at("matrix.first_pass_outlier_pairs"), 3);
}

TEST(MatrixOutliers, APairWithoutItsRetestsIsNotConfirmed) {
  json record = {{"matrix", bandwidthMatrix(0.3, 1.0, 1.0, 1.0, 1.0, 1.0)}, {"metrics", json::object()}};
  OutlierRetests retests;
  retests.retests = 1;  // asked for, never ran (the test failed before)
  addMatrixOutliers(record, kOutlierRatio, retests);
  EXPECT_TRUE(record["matrix"]["outliers"]["pairs"].empty());
  EXPECT_EQ(record["metrics"]["matrix"]["first_pass_outlier_pairs"], 1);
  EXPECT_EQ(record["metrics"]["matrix"]["outlier_pairs"], 0);
}

TEST(MatrixOutliers, ASingleBadLinkIsNamedAsAPairNotAHost) {
  const MatrixOutliers o = findOutliers(bandwidthMatrix(0.3, 1.0, 1.0, 1.0, 1.0, 1.0));
  ASSERT_EQ(o.flagged.size(), 1u);
  EXPECT_EQ(o.flagged[0].a, 0u);
  EXPECT_EQ(o.flagged[0].b, 1u);
  EXPECT_FALSE(o.suspect.has_value()) << "one pair cannot tell which end is bad";
}

TEST(MatrixOutliers, AnEvenMatrixFlagsNothingAndTheRatioIsConfigurable) {
  const json even = bandwidthMatrix(1.0, 0.95, 1.0, 0.97, 1.0, 0.99);
  EXPECT_TRUE(findOutliers(even).flagged.empty()) << "within 10% of the reference";
  EXPECT_EQ(findOutliers(even, 0.99).flagged.size(), 2u) << "0.95 and 0.97 are below 0.99 x the reference 1.0";
}

TEST(MatrixOutliers, APingpongMatrixFlagsSlowLatency) {
  // Round trips are the same both ways; agent 2's pairs take 5x longer.
  json lat = json::array();
  const double v[4][4] = {{0, 10, 50, 10}, {10, 0, 52, 10}, {50, 52, 0, 51}, {10, 10, 51, 0}};
  for (size_t a = 0; a < 4; ++a) {
    json row = json::array();
    for (size_t b = 0; b < 4; ++b) row.push_back(a == b ? json(nullptr) : json(v[a][b]));
    lat.push_back(row);
  }
  json mx = {{"agents", {"a0", "a1", "a2", "a3"}}, {"latency_us_p50", lat}};
  const MatrixOutliers o = findOutliers(mx);
  EXPECT_EQ(o.metric, "latency_us_p50");
  EXPECT_DOUBLE_EQ(o.median, 30);
  EXPECT_DOUBLE_EQ(o.reference, 10) << "the better (lower) middle round trip";
  EXPECT_DOUBLE_EQ(o.extreme, 52);
  EXPECT_EQ(o.flagged.size(), 3u) << "above 10 / 0.9";
  ASSERT_TRUE(o.suspect.has_value());
  EXPECT_EQ(*o.suspect, 2u);
}

TEST(MatrixOutliers, NoValuesNoFinding) {
  EXPECT_TRUE(findOutliers(json::object()).metric.empty());
  json record = {{"metrics", json::object()}};
  addMatrixOutliers(record);
  EXPECT_FALSE(record["metrics"].contains("matrix"));
}

TEST(MatrixOutliers, TheReportOutlinesConfirmedPairsAndCountsTheClearedFlags) {
  json record = {{"name", "matrix"}, {"pattern", "stream"}, {"placement", "matrix"}, {"verdict", "pass"},
                 {"matrix", bandwidthMatrix(1.0, 0.2, 1.0, 0.2, 1.0, 0.2)}, {"metrics", json::object()}};
  OutlierRetests retests;
  retests.retests = 2;
  retests.values[{0, 2}] = {0.98};
  retests.values[{1, 2}] = {0.21, 0.19};
  retests.values[{2, 3}] = {0.2, 0.2};
  addMatrixOutliers(record, kOutlierRatio, retests);
  namespace canned = fabcheck::testing::canned;
  const std::string html = reports::renderHtml(canned::context(), canned::agents(), {record}, canned::endRecord());
  const size_t at = html.find("data-chart=\"matrix\"");
  ASSERT_NE(at, std::string::npos);
  const std::string svg = html.substr(at, html.find("</svg>", at) - at);
  size_t outlined = 0;
  for (size_t p = svg.find("class=\"flagged\""); p != std::string::npos; p = svg.find("class=\"flagged\"", p + 1)) ++outlined;
  EXPECT_EQ(outlined, 2u) << "the confirmed pairs only";
  EXPECT_NE(svg.find("2 outlier pairs confirmed by 2 retests (outlined); 1 of 3 first-pass flags cleared by retest; "
                     "suspect: agent 2 (n2)"),
            std::string::npos)
      << svg;
}

TEST(MatrixOutliers, TheHeatmapOutlinesFlaggedCellsAndNamesTheSuspect) {
  reports::svg::Heatmap h{"Throughput by pair", "Gbit/s", true, "sender", "receiver", {"a0", "a1", "a2"},
                          {{std::nullopt, 1.0, 0.2}, {std::nullopt, std::nullopt, 0.2}, {std::nullopt, std::nullopt, std::nullopt}},
                          {{0, 2}, {1, 2}}, "2 outlier pairs (outlined); suspect: a2"};
  const std::string svg = reports::svg::heatmapChart(h);
  size_t flagged = 0;
  for (size_t at = svg.find("class=\"flagged\""); at != std::string::npos; at = svg.find("class=\"flagged\"", at + 1)) ++flagged;
  EXPECT_EQ(flagged, 2u) << "only cells with a value are outlined";
  EXPECT_NE(svg.find("suspect: a2"), std::string::npos);
}

}  // namespace
}  // namespace fabcheck::results
