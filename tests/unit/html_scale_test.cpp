// The HTML report of a synthetic 1024-host run (tests/support/scale_run.h, issue 18): under
// 10 MB, heatmaps aggregated by switch (or blocks of hosts) with the worst pairs listed, per-flow
// distributions instead of 8192 bars; and at 64 hosts still a cell per pair.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "reports/html_reporter.h"
#include "tests/support/scale_run.h"

namespace fabcheck::reports {
namespace {

namespace scale = fabcheck::testing::scale;

size_t occurrences(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

// The first row (after the header) of the table of class `cls` that follows `from`.
std::string firstRow(const std::string& html, const std::string& cls, size_t from = 0) {
  const size_t table = html.find("<table class=\"" + cls + "\">", from);
  if (table == std::string::npos) return "";
  const size_t head_end = html.find("</tr>", table);
  const size_t start = html.find("<tr", head_end), end = html.find("</tr>", start);
  return html.substr(start, end - start);
}

class HtmlScale : public ::testing::Test {
 protected:
  // One run for every test here: building 1024 hosts' records takes seconds.
  static void SetUpTestSuite() {
    run_ = new scale::Run(scale::run(1024, true));
    page_ = new std::string(scale::html(*run_));
  }
  static void TearDownTestSuite() {
    delete page_;
    delete run_;
    page_ = nullptr;
    run_ = nullptr;
  }
  static scale::Run* run_;
  static std::string* page_;
};
scale::Run* HtmlScale::run_ = nullptr;
std::string* HtmlScale::page_ = nullptr;

TEST_F(HtmlScale, AThousandHostsFitInTenMegabytes) {
  const std::string& html = *page_;
  EXPECT_LE(html.size(), 10u * 1000 * 1000);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_EQ(occurrences(html, "<svg "), occurrences(html, "</svg>"));
}

TEST_F(HtmlScale, HeatmapsAreAggregatedBySwitchWithTheWorstPairNamed) {
  const std::string& html = *page_;
  // Two matrices (latency, throughput), each 32 × 32 switch cells instead of 1024 × 1024 pairs.
  EXPECT_EQ(occurrences(html, "data-chart=\"matrix\""), 2u);
  EXPECT_EQ(occurrences(html, "<g class=\"grouped\" data-basis=\"switch\">"), 2u);
  EXPECT_EQ(occurrences(html, "class=\"group-cell"), 2u * 32 * 32);
  // The worst latency pair's cell (leaf03 → leaf24) names it in its tooltip.
  EXPECT_NE(html.find("<title>leaf03 → leaf24: worst 95 µs, agent 100 (h0100) → agent 777 (h0777); median "),
            std::string::npos);
  // Host 777's pairs are confirmed latency outliers: its switch's row and column are outlined
  // (63 cells); the one slow throughput pair outlines its two cells (leaf09 ↔ leaf28).
  EXPECT_EQ(occurrences(html, "class=\"group-cell flagged\""), 32u + 32u - 1u + 2u);
}

TEST_F(HtmlScale, TheWorstPairsTablesStartWithTheWorstPair) {
  const std::string& html = *page_;
  EXPECT_EQ(occurrences(html, "<table class=\"worst-pairs\">"), 2u);
  const std::string latency = firstRow(html, "worst-pairs");
  EXPECT_NE(latency.find("<td>agent 100 (h0100)</td><td>agent 777 (h0777)</td><td class=\"num\">95</td>"), std::string::npos)
      << latency;
  EXPECT_NE(latency.find("leaf03 ↔ leaf24"), std::string::npos) << latency;
  EXPECT_NE(latency.find("confirmed"), std::string::npos) << latency;
  const std::string rate = firstRow(html, "worst-pairs", html.find("Throughput by pair"));
  EXPECT_NE(rate.find("<td>agent 300 (h0300)</td><td>agent 901 (h0901)</td><td class=\"num\">2.50</td>"), std::string::npos)
      << rate;
  // Only one direction was slow: the other is shown as measured.
  EXPECT_NE(rate.find("<td class=\"num\">2.50</td><td class=\"num\">9.4"), std::string::npos) << rate;
}

TEST_F(HtmlScale, ManyFlowsAreDistributionsAndTheWorstFlowsAreListed) {
  const std::string& html = *page_;
  EXPECT_EQ(html.find("data-chart=\"flows\""), std::string::npos);  // no 8192 bars
  EXPECT_EQ(occurrences(html, "data-chart=\"distribution\""), 2u);  // throughput and loss ratio
  EXPECT_NE(html.find("Throughput per flow: distribution of 8192 flows"), std::string::npos);
  EXPECT_NE(html.find(">8192 flows</text>"), std::string::npos);
  const std::string slowest = firstRow(html, "worst-flows");
  EXPECT_NE(slowest.find("<td class=\"num\">4242</td><td>h0146 #146</td><td>h0147 #147</td><td class=\"num\">0.3</td>"),
            std::string::npos)
      << slowest;
  const std::string lossiest = firstRow(html, "worst-flows", html.find("Flows that lost the most packets"));
  EXPECT_NE(lossiest.find("<td class=\"num\">900</td>"), std::string::npos) << lossiest;
  // The two flows that lost packets are in the red part of their buckets.
  EXPECT_NE(html.find("(1 lost packets)"), std::string::npos);
}

TEST(HtmlScaleThreshold, SixtyFourHostsKeepACellPerPairSixtyFiveAreGrouped) {
  const std::string small = scale::html(scale::run(64, true));
  EXPECT_EQ(small.find("class=\"grouped\""), std::string::npos);
  EXPECT_EQ(small.find("worst-pairs"), std::string::npos);
  EXPECT_EQ(occurrences(small, "<text class=\"group\""), 2u * 2);  // leaf00, leaf01 beside each matrix
  EXPECT_GE(occurrences(small, "<rect x="), 2u * 64 * 64);
  const std::string grouped = scale::html(scale::run(65, true));
  EXPECT_EQ(occurrences(grouped, "<g class=\"grouped\" data-basis=\"switch\">"), 2u);
  EXPECT_EQ(occurrences(grouped, "class=\"group-cell"), 2u * 3 * 3);  // leaf00, leaf01, leaf02 (1 host)
}

TEST_F(HtmlScale, WithoutSwitchesHostsAreGroupedInBlocks) {
  // The same run as a topology-less one records it: no matrix.switches.
  scale::Run plain = *run_;
  for (auto& t : plain.tests) {
    if (t.contains("matrix")) t["matrix"].erase("switches");
  }
  const std::string html = scale::html(plain);
  EXPECT_EQ(occurrences(html, "<g class=\"grouped\" data-basis=\"block\">"), 2u);
  EXPECT_NE(html.find("#96–127 → #768–799: worst 95 µs, agent 100 (h0100) → agent 777 (h0777)"), std::string::npos);
  EXPECT_LE(html.size(), 10u * 1000 * 1000);
}

}  // namespace
}  // namespace fabcheck::reports
