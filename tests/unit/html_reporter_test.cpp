// The HTML report on the canned run (canned_run.h): well-formed markup, escaping, a chart per
// kind of data, the incomplete / interrupted banners, atomic rewrites, nothing to fetch. The
// byte-for-byte comparison with tests/golden/canned.html is in reporter_approval_test.cpp.
#include "reports/html_reporter.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include "generators/core/errors.h"
#include "reports/svg_charts.h"
#include "tests/support/test_helpers.h"
#include "tests/unit/canned_run.h"

namespace fabcheck::reports {
namespace {

using nlohmann::json;

namespace canned = fabcheck::testing::canned;
using canned::context;

// Checks that every element is closed in order (void elements aside); "" when it is, else what broke.
std::string unbalancedTags(const std::string& html) {
  static const std::regex tag("<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>");
  static const std::vector<std::string> kVoid = {"meta", "br", "hr", "img", "input", "link", "col", "wbr"};
  std::vector<std::string> stack;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), tag); it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[2];
    if ((*it)[3] == "/" || std::find(kVoid.begin(), kVoid.end(), name) != kVoid.end()) continue;
    if ((*it)[1] == "") {
      stack.push_back(name);
    } else if (stack.empty() || stack.back() != name) {
      return "</" + name + "> at offset " + std::to_string(it->position()) + " closes " +
             (stack.empty() ? std::string("nothing") : "<" + stack.back() + ">");
    } else {
      stack.pop_back();
    }
  }
  return stack.empty() ? "" : "<" + stack.back() + "> never closed";
}

size_t count(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

// The markup of the first <svg> with data-chart="kind" ("" when there is none).
std::string chart(const std::string& html, const std::string& kind) {
  const size_t at = html.find("data-chart=\"" + kind + "\"");
  if (at == std::string::npos) return "";
  const size_t start = html.rfind("<svg", at), end = html.find("</svg>", at);
  return html.substr(start, end - start);
}

TEST(HtmlReport, AFinishedRunIsBalancedMarkupWithAChartPerKindOfData) {
  const std::string html =
      renderHtml(context(), canned::agents(), {canned::passRecord(), canned::failRecord()}, canned::endRecord());
  EXPECT_EQ(unbalancedTags(html), "");
  EXPECT_EQ(count(html, "<svg "), count(html, "</svg>"));
  // latency, matrix (latency only), probe (idle and loaded), throughput, flows
  EXPECT_EQ(count(html, "<svg class=\"chart\""), 5u);
  for (const char* kind : {"latency", "throughput", "flows", "matrix"}) {
    const std::string svg = chart(html, kind);
    ASSERT_FALSE(svg.empty()) << kind;
    EXPECT_TRUE(svg.find("<path") != std::string::npos || svg.find("<rect") != std::string::npos) << kind;
    EXPECT_NE(svg.find("<text"), std::string::npos) << kind;
  }
  EXPECT_EQ(count(chart(html, "latency"), "class=\"series\""), 2u);  // round trip and one way
  EXPECT_NE(chart(html, "latency").find(">p99.99<"), std::string::npos);
  EXPECT_NE(chart(html, "flows").find("lost 12"), std::string::npos);
  EXPECT_NE(chart(html, "matrix").find("18.1"), std::string::npos);
  // Latency under load: the probe's idle baseline and loaded round trip in one chart.
  const size_t probe_at = html.find("Probe round trip: idle and under load");
  ASSERT_NE(probe_at, std::string::npos);
  const std::string probe_svg = html.substr(html.rfind("<svg", probe_at), html.find("</svg>", probe_at) - html.rfind("<svg", probe_at));
  EXPECT_EQ(count(probe_svg, "class=\"series\""), 2u);
  EXPECT_NE(probe_svg.find("probe idle"), std::string::npos);
  EXPECT_NE(probe_svg.find("probe under load"), std::string::npos);
  // An all-null throughput matrix (pingpong) draws no empty heatmap.
  EXPECT_EQ(html.find("Throughput by pair"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"badge pass\">pass 1</span>"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"badge fail\">fail 1</span>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"v-fail\">fail</td>"), std::string::npos);
  EXPECT_NE(html.find("-1.83"), std::string::npos);  // clock offset in µs
  EXPECT_NE(html.find("unmeasured"), std::string::npos);
  EXPECT_EQ(html.find("Incomplete"), std::string::npos);
  EXPECT_EQ(html.find("Interrupted"), std::string::npos);
}

TEST(HtmlReport, EveryTextIsEscaped) {
  json t = canned::failRecord();
  t["name"] = "<script>&\"";
  t["slos"][0]["expression"] = "a < b && c > 'd'";
  t["metrics"]["per_flow"][0]["sender_host"] = "<img src=x>";
  json ctx = context();
  ctx["suite"]["name"] = "</title><script>alert(1)</script>";
  const std::string html = renderHtml(ctx, canned::agents(), {t}, std::nullopt);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;&amp;&quot;"), std::string::npos);
  EXPECT_NE(html.find("a &lt; b &amp;&amp; c &gt; &#39;d&#39;"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x&gt;"), std::string::npos);
  EXPECT_EQ(unbalancedTags(html), "");
}

TEST(HtmlReport, APartialRunSaysIncompleteAndAnInterruptedOneSaysInterrupted) {
  const std::string partial = renderHtml(context(), canned::agents(), {canned::passRecord()}, std::nullopt);
  EXPECT_NE(partial.find("Incomplete: the run is still going or was interrupted — 1 test finished so far."),
            std::string::npos);
  EXPECT_EQ(unbalancedTags(partial), "");
  const std::string interrupted =
      renderHtml(context(), canned::agents(), {canned::passRecord()}, canned::interruptedEndRecord());
  EXPECT_NE(interrupted.find("id=\"interrupted\""), std::string::npos);
  EXPECT_EQ(interrupted.find("id=\"incomplete\""), std::string::npos);
  // Before anything ran: still a valid page.
  const std::string empty = renderHtml(json::object(), json::array(), {}, std::nullopt);
  EXPECT_EQ(unbalancedTags(empty), "");
  EXPECT_NE(empty.find("No test finished yet."), std::string::npos);
}

TEST(HtmlReport, RecordsOfOddShapeStillRender) {
  json t = {{"name", 7}, {"verdict", "weird\"class"}, {"metrics", {{"latency_us", "n/a"}, {"per_flow", 3}}},
            {"matrix", {{"agents", "x"}}}, {"slos", {{{"verdict", nullptr}}}}};
  const std::string html = renderHtml(context(), json::array({1, "two"}), {t}, canned::endRecord());
  EXPECT_EQ(unbalancedTags(html), "");
  EXPECT_NE(html.find("badge unknown"), std::string::npos);
  EXPECT_EQ(html.find("weird\"class"), std::string::npos);
}

TEST(HtmlReport, ThePageFetchesNothing) {
  const std::string html =
      renderHtml(context(), canned::agents(), {canned::passRecord(), canned::failRecord()}, canned::endRecord());
  for (const char* s : {"<link", "<script", "<img", "src=", "@import", "url(", "http://", "https://", "<iframe"}) {
    EXPECT_EQ(html.find(s), std::string::npos) << s;
  }
}

TEST(SvgCharts, NonFiniteValuesAreNotDrawnAndEmptyChartsSayNoData) {
  const std::string svg = svg::latencyChart("t", {{"a", {{50, NAN}, {90, INFINITY}, {99, 5}, {99.9, 7}}}});
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
  EXPECT_EQ(count(svg, "<circle"), 2u);
  EXPECT_NE(svg::throughputChart("t", {}).find("no data"), std::string::npos);
  EXPECT_NE(svg::heatmapChart({"t", "µs", false, "agent", "peer", {"a"}, {{std::nullopt}}}).find("no data"), std::string::npos);
}

TEST(SvgCharts, LongSeriesAndManyFlowsAreBounded) {
  svg::Series s{"x", {}};
  for (int i = 0; i < 100000; ++i) s.points.push_back({i * 0.1, 1.0});
  const std::string line = svg::throughputChart("t", {s});
  EXPECT_LE(count(line, " L"), 2 * svg::kMaxLinePoints + 4);
  std::vector<svg::FlowBar> bars(500, svg::FlowBar{"f", 1.0, 0});
  const std::string flows = svg::flowsChart("t", bars);
  EXPECT_EQ(count(flows, "<rect"), svg::kMaxBars);
  EXPECT_NE(flows.find("showing the first 200 of 500 flows"), std::string::npos);
}

TEST(HtmlReporter, RewritesTheFileAfterEveryEventAndFailsEarlyOnABadPath) {
  char tmpl[] = "/tmp/fabcheck-html-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl, path = dir + "/r.html";
  {
    HtmlReporter r(path);
    EXPECT_NE(testing::slurp(path).find("Incomplete"), std::string::npos);
    r.begin(context());
    r.agents(canned::agents());
    r.test(canned::failRecord());
    const std::string mid = testing::slurp(path);
    EXPECT_NE(mid.find("1 test finished so far"), std::string::npos);
    EXPECT_NE(mid.find("</html>"), std::string::npos);
    r.finish(canned::endRecord());
    const std::string done = testing::slurp(path);
    EXPECT_EQ(done.find("Incomplete"), std::string::npos);
    EXPECT_NE(done.find("data-chart=\"flows\""), std::string::npos);
    EXPECT_EQ(::access((path + ".tmp").c_str(), F_OK), -1);
    EXPECT_EQ(r.describe(), "html: " + path);
  }
  EXPECT_NE(testing::errorOf<ConfigError>([&] { HtmlReporter r(dir + "/missing/r.html"); }).find("cannot write"),
            std::string::npos);
  EXPECT_NE(createReporter("html:" + dir + "/c.html")->describe().find("c.html"), std::string::npos);
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace fabcheck::reports
