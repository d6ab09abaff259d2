// A collective test in every report: a synthetic outcome (4 ranks of an all-reduce, a sweep of
// three sizes, a slow link 2 → 3 at the largest) through results::summarizeTest, as the runner
// makes the record, then the HTML page (key metrics, nccl-tests table, bandwidth chart,
// straggler note and link chart), the console line and the JUnit text.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/cli/console_summary.h"
#include "harness/results/collective_line_rate.h"
#include "harness/results/test_summary.h"
#include "reports/html_reporter.h"
#include "reports/junit_reporter.h"
#include "reports/svg_charts.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_helpers.h"
#include "tests/unit/canned_run.h"

namespace fabcheck::testing {
namespace {

using nlohmann::json;

constexpr int kRanks = 4;

// One rank at one size: its measured iterations and its outgoing ring link r → r+1 moving
// `link_bytes` in `busy_ns`.
engine::CollectiveRankResult rankResult(int r, uint64_t size, std::vector<int64_t> iteration_ns, int64_t busy_ns) {
  engine::CollectiveRankResult x;
  x.rank = r;
  x.ranks = kRanks;
  x.kind = "all_reduce";
  x.algorithm = "ring";
  x.size_bytes = size;
  x.iterations = iteration_ns.size();
  x.iteration_ns = std::move(iteration_ns);
  x.bytes_sent = x.bytes_received = 2 * size;
  engine::CollectiveLinkStats l;
  l.peer = (r + 1) % kRanks;
  l.outgoing = true;
  l.bytes = 1'000'000;
  l.busy_ns = busy_ns;
  x.links = {l};
  return x;
}

// Sizes 64 KiB, 256 KiB and 1 MiB taking 100, 200 and (400 + 600) / 2 = 500 µs; every link
// moves 8 Gbit/s but, at 1 MiB, 2 → 3 only 0.08 Gbit/s and retransmits 7 times. Rank r runs on
// agent (r + 1) % 4, so rank 2 is agent 3 on node03.
model::TestOutcome sweepOutcome(bool slow_link) {
  model::TestOutcome t;
  t.name = "allreduce-sweep";
  t.spec.name = t.name;
  t.collective.rank_agents = {1, 2, 3, 0};
  t.spec.agents = t.collective.rank_agents;
  t.participants = {0, 1, 2, 3};
  t.rounds = 3;
  model::CollectiveSpec c;
  c.params.kind = patterns::CollectiveKind::kAllReduce;
  c.params.algorithm = patterns::CollectiveAlgorithm::kRing;
  c.params.iterations = 2;
  c.params.warmup_iterations = 1;
  c.params.chunk_bytes = 128 << 10;
  c.sizes = {64 << 10, 256 << 10, 1 << 20};
  c.params.size_bytes = c.sizes.front();
  t.spec.collective = c;
  const std::vector<std::vector<int64_t>> times = {{100'000, 100'000}, {200'000, 200'000}, {400'000, 600'000}};
  for (size_t i = 0; i < c.sizes.size(); ++i) {
    model::CollectiveRound round;
    round.size_bytes = c.sizes[i];
    for (int r = 0; r < kRanks; ++r) {
      const bool slow = slow_link && i == 2 && r == 2;
      round.ranks.push_back(rankResult(r, c.sizes[i], times[i], slow ? 100'000'000 : 1'000'000));
      if (slow) round.ranks.back().retransmissions = round.ranks.back().links[0].retransmissions = 7;
    }
    t.collective.rounds.push_back(std::move(round));
  }
  return t;
}

std::vector<model::AgentInfo> agentInfos() {
  std::vector<model::AgentInfo> a(kRanks);
  for (int i = 0; i < kRanks; ++i) {
    a[static_cast<size_t>(i)].id = i;
    a[static_cast<size_t>(i)].host = "node0" + std::to_string(i);
  }
  return a;
}

json record(const model::TestOutcome& t) {
  json r = results::summarizeTest(t, agentInfos());
  r["verdict"] = "pass";
  r["slos"] = json::array({{{"expression", "collective.busbw_gbytes_s >= 1"}, {"verdict", "pass"}, {"observed", 3.1}}});
  return r;
}

json agentsJson() {
  json a = json::array();
  for (const auto& x : agentInfos()) a.push_back(results::agentJson(x));
  return a;
}

std::string html(const json& r) { return reports::renderHtml(canned::context(), agentsJson(), {r}, canned::endRecord()); }

// The markup of the first <svg> with data-chart="kind" ("" when there is none).
std::string chart(const std::string& page, const std::string& kind) {
  const size_t at = page.find("data-chart=\"" + kind + "\"");
  if (at == std::string::npos) return "";
  const size_t start = page.rfind("<svg", at), end = page.find("</svg>", at);
  return page.substr(start, end - start);
}

// Every <tr> of the nccl-tests table as its cells' text, tags removed.
std::vector<std::vector<std::string>> tableRows(const std::string& page) {
  const size_t from = page.find("<table class=\"collective\">");
  if (from == std::string::npos) return {};
  const std::string table = page.substr(from, page.find("</table>", from) - from);
  static const std::regex row("<tr[^>]*>(.*?)</tr>"), cell("<t[dh][^>]*>(.*?)</t[dh]>");
  std::vector<std::vector<std::string>> rows;
  for (auto r = std::sregex_iterator(table.begin(), table.end(), row); r != std::sregex_iterator(); ++r) {
    const std::string body = (*r)[1];
    auto& out = rows.emplace_back();
    for (auto c = std::sregex_iterator(body.begin(), body.end(), cell); c != std::sregex_iterator(); ++c) out.push_back((*c)[1]);
  }
  return rows;
}

size_t count(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

TEST(CollectiveReport, TheHtmlHasTheKeyFiguresAndOneTableRowPerSizeAsNcclTests) {
  const std::string page = html(record(sweepOutcome(true)));
  // Key metrics at the largest size: busbw = 1 MiB / 500 µs × 2(4−1)/4 = 3.145728 GB/s.
  for (const char* s : {"<th>busbw</th>", "<th>algbw</th>", "<th>time</th>", "<th>time p99</th>", "<th>cv</th>",
                        "<th>avg busbw</th>", "<th>retransmissions</th>", "<th>straggler links</th>",
                        "<td class=\"num\">3.15 GB/s</td>", "<td class=\"num\">2.10 GB/s</td>",
                        "<td class=\"num\">500 µs</td>", "<td class=\"num\">600 µs</td>",
                        "<td class=\"num\">2.03 GB/s</td>"}) {
    EXPECT_NE(page.find(s), std::string::npos) << s;
  }
  EXPECT_EQ(page.find("<th>timeouts</th>"), std::string::npos) << "none happened: not a key figure";
  EXPECT_NE(page.find("all_reduce · ring ran · 4 ranks · 1 channel · chunk 128 KiB · 2 iterations after 1 warm-up"),
            std::string::npos);
  const auto rows = tableRows(page);
  ASSERT_EQ(rows.size(), 4u) << "a header and one row per size";
  EXPECT_EQ(rows[0], (std::vector<std::string>{"size", "time (µs)", "algbw (GB/s)", "busbw (GB/s)", "p50 (µs)", "p99 (µs)",
                                               "cv", "JCT ratio", "retransmissions", "straggler"}));
  // No line rate in this record: no JCT ratio ("—").
  EXPECT_EQ(rows[1], (std::vector<std::string>{"64 KiB", "100", "0.655", "0.983", "100", "100", "0", "—", "0", "—"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"256 KiB", "200", "1.31", "1.97", "200", "200", "0", "—", "0", "—"}));
  ASSERT_EQ(rows[3].size(), 10u);
  EXPECT_EQ(std::vector<std::string>(rows[3].begin(), rows[3].begin() + 9),
            (std::vector<std::string>{"1 MiB", "500", "2.10", "3.15", "400", "600", "0.2", "—", "7"}));
  EXPECT_EQ(rows[3][9], "rank 2 (node03): link 2 → 3 at 0.08 Gbit/s, median 8 Gbit/s");
  EXPECT_NE(page.find("<tr class=\"straggler\"><td class=\"num\" title=\"1048576 bytes\">1 MiB</td>"), std::string::npos);
}

TEST(CollectiveReport, TheHtmlChartsBandwidthBySizeAndNamesTheStragglerWithItsSlowLink) {
  const json r = record(sweepOutcome(true));
  const std::string page = html(r);
  const std::string bw = chart(page, "bandwidth");
  ASSERT_FALSE(bw.empty());
  EXPECT_EQ(count(bw, "class=\"series\""), 2u);
  EXPECT_EQ(count(bw, "<circle"), 6u) << "a point per size and series";
  for (const char* s : {">busbw<", ">algbw<", ">64 KiB<", ">256 KiB<", ">1 MiB<", "busbw 1 MiB: 3.15 GB/s"}) {
    EXPECT_NE(bw.find(s), std::string::npos) << s;
  }
  // The note, with the summary's own text.
  const std::string text = r.at("collective").at("straggler").at("text");
  EXPECT_NE(text.find("rank 2 (agent 3, node03) is the straggler"), std::string::npos) << text;
  EXPECT_NE(page.find("<div class=\"straggler\">Straggler at 1 MiB: " + reports::svg::escape(text) + "</div>"),
            std::string::npos);
  // Every link at the largest size, the slow one red and marked, the median drawn.
  const std::string links = chart(page, "links");
  ASSERT_FALSE(links.empty());
  EXPECT_EQ(count(links, "<title>"), 4u);
  EXPECT_NE(links.find("<title>2 → 3: 0.08 Gbit/s · slow</title>"), std::string::npos);
  EXPECT_NE(links.find("<title>0 → 1: 8 Gbit/s</title>"), std::string::npos);
  EXPECT_EQ(count(links, "#d62728"), 2u) << "the slow bar and its legend";
  EXPECT_NE(links.find("median 8 Gbit/s"), std::string::npos);
  EXPECT_NE(links.find("slow link (straggler)"), std::string::npos);
  EXPECT_EQ(count(page, "<svg "), count(page, "</svg>"));
}

TEST(CollectiveReport, TheStragglerIsNamedWithItsSwitchPortWhenKnown) {
  auto agents = agentInfos();
  agents[3].switch_name = "leaf3";
  agents[3].switch_port = "Ethernet12";
  agents[3].topology_source = "lldp";
  const json r = results::summarizeTest(sweepOutcome(true), agents);
  const json& st = r.at("collective").at("straggler");
  EXPECT_EQ(st.at("host_link"), "node03 ↔ leaf3:Ethernet12");
  EXPECT_NE(st.at("text").get<std::string>().find("rank 2 (agent 3, node03 ↔ leaf3:Ethernet12) is the straggler"),
            std::string::npos)
      << st.dump();
  EXPECT_EQ(record(sweepOutcome(true)).at("collective").at("straggler").at("host_link"), "node03") << "port unknown: the host";
}

TEST(CollectiveReport, WithoutAStragglerThereIsNoNoteNorLinkChartAndOneSizeDrawsNoCurve) {
  const std::string page = html(record(sweepOutcome(false)));
  EXPECT_EQ(page.find("class=\"straggler\""), std::string::npos);
  EXPECT_EQ(chart(page, "links"), "");
  EXPECT_NE(chart(page, "bandwidth"), "");
  for (const auto& row : tableRows(page)) EXPECT_EQ(row.back() == "—" || row.back() == "straggler", true) << row.back();

  auto one = sweepOutcome(false);
  one.spec.collective->sizes = {64 << 10};
  one.collective.rounds.resize(1);
  const std::string single = html(record(one));
  EXPECT_EQ(tableRows(single).size(), 2u);
  EXPECT_EQ(chart(single, "bandwidth"), "") << "one size is a row, not a curve";
}

TEST(CollectiveReport, ASizeThatMeasuredNothingSaysSoAndListsTheRanksErrors) {
  auto t = sweepOutcome(false);
  auto& failed = t.collective.rounds[0].ranks[1];
  failed.iteration_ns.clear();
  failed.iterations = 0;
  failed.error = "step 2 timed out waiting for rank 0";
  const std::string page = html(record(t));
  const auto rows = tableRows(page);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"64 KiB", "—", "—", "—", "—", "—", "—", "—", "0", "no measurement"}));
  EXPECT_NE(page.find("Errors at 64 KiB: rank 1: step 2 timed out waiting for rank 0"), std::string::npos);
  EXPECT_NE(chart(page, "bandwidth"), "") << "the two sizes that measured";
}

TEST(CollectiveReport, NonCollectiveRecordsHaveNoCollectivePart) {
  const std::string page = reports::renderHtml(canned::context(), canned::agents(), {canned::failRecord()}, canned::endRecord());
  EXPECT_EQ(page.find("class=\"collective\""), std::string::npos);
  EXPECT_EQ(page.find("busbw"), std::string::npos);
}

TEST(CollectiveReport, TheConsoleLineHasBusbwAlgbwTimeAndTheStragglerRank) {
  cli::ConsoleSummary slow("s");
  EXPECT_NE(slow.add(record(sweepOutcome(true)))
                .find("PASS    ring, busbw 3.15 GB/s, algbw 2.1 GB/s, time 500.0 us, straggler rank 2 (node03); 1/1 SLOs passed"),
            std::string::npos);
  cli::ConsoleSummary fine("s");
  const std::string line = fine.add(record(sweepOutcome(false)));
  EXPECT_NE(line.find("ring, busbw 3.15 GB/s, algbw 2.1 GB/s, time 500.0 us; 1/1 SLOs passed"), std::string::npos) << line;
}

TEST(CollectiveReport, TheJunitSystemOutHasTheCollectiveFiguresAndIsValid) {
  const json r = record(sweepOutcome(true));
  const std::string xml = reports::junitXml(canned::context(), agentsJson(), json::array({r}), canned::endRecord());
  for (const char* s : {"collective: all_reduce ring, 4 ranks\n",
                        "busbw 3.14573 GB/s, algbw 2.09715 GB/s, time 500 us, p99 600 us, cv 0.2 (at 1048576 B)\n",
                        "avg busbw: 2.03162 GB/s over 3 sizes\n",
                        "size 65536 B: time 100 us, algbw 0.65536 GB/s, busbw 0.98304 GB/s, p50 100 us, p99 100 us, "
                        "retransmissions 0 segments\n",
                        "size 1048576 B: time 500 us, algbw 2.09715 GB/s, busbw 3.14573 GB/s, p50 400 us, p99 600 us, "
                        "retransmissions 7 segments, straggler rank 2\n",
                        "straggler: rank 2 (agent 3, node03) is the straggler: link rank 2 (agent 3, node03) -&gt; "
                        "rank 3 (agent 0, node00)"}) {
    EXPECT_NE(xml.find(s), std::string::npos) << s << "\n" << xml;
  }
  char tmpl[] = "/tmp/fabcheck-coljunit-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl, file = dir + "/r.xml";
  std::ofstream(file) << xml;
  const auto v = run({"/usr/bin/xmllint", "--noout", "--schema", std::string(FABCHECK_SOURCE_DIR) + "/tests/junit.xsd", file},
                     std::chrono::seconds(30));
  EXPECT_EQ(v.status.code, 0) << v.err << v.out;
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(CollectiveReport, EveryReportShowsTheAlgorithmTheLineRateAndTheJctRatio) {
  json r = record(sweepOutcome(false));
  r["collective"]["algorithm_requested"] = "tree";  // as if the suite had asked for another
  ASSERT_TRUE(results::addLineRateFigures(r, {100, "fabric.line_rate_gbps", ""}).empty());
  // 1 MiB in 500 us on 4 ranks: busbw 3.145728 GB/s; 100 Gbit/s / (8 × that) = 3.9736.
  EXPECT_NEAR(r["metrics"]["collective"]["jct_ratio"].get<double>(), 100 / (8 * 3.145728), 1e-9);
  const std::string page = html(r);
  EXPECT_NE(page.find("all_reduce · ring ran (requested tree) · 4 ranks"), std::string::npos);
  EXPECT_NE(page.find("line rate 100 Gbit/s (fabric.line_rate_gbps)"), std::string::npos);
  EXPECT_NE(page.find("<th>JCT ratio</th>"), std::string::npos);
  const auto rows = tableRows(page);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[3][7], "3.97");
  EXPECT_EQ(rows[1][7], "12.7");  // 64 KiB in 100 us: busbw 0.98304 GB/s

  cli::ConsoleSummary console("s");
  const std::string line = console.add(r);
  EXPECT_NE(line.find("ring, busbw 3.15 GB/s, algbw 2.1 GB/s, time 500.0 us, jct ratio 3.97"), std::string::npos) << line;

  const std::string xml = reports::junitXml(canned::context(), agentsJson(), json::array({r}), canned::endRecord());
  for (const char* s : {"collective: all_reduce ring (requested tree), 4 ranks, line rate 100 Gbit/s (fabric.line_rate_gbps)\n",
                        "cv 0.2, jct ratio 3.97364 (at 1048576 B)\n", "p99 100 us, jct ratio 12.7157, retransmissions 0 segments\n"}) {
    EXPECT_NE(xml.find(s), std::string::npos) << s << "\n" << xml;
  }
}

TEST(CollectiveReport, AMisreadingIsShownAtItsSizeInTheHtmlAndJunit) {
  json r = record(sweepOutcome(false));
  const auto m = results::addLineRateFigures(r, {20, "fabric.line_rate_gbps", ""});  // 1 MiB: 25.2 Gbit/s busbw
  ASSERT_EQ(m.size(), 1u);
  const std::string page = html(r);
  EXPECT_NE(page.find("Misreading at 1 MiB: size 1048576 B: busbw 3.146 GB/s (25.17 Gbit/s) is above the line rate of 20"),
            std::string::npos);
  EXPECT_EQ(page.find("<th>busbw</th>"), std::string::npos) << "not a key figure: it is no result";
  const std::string xml = reports::junitXml(canned::context(), agentsJson(), json::array({r}), canned::endRecord());
  EXPECT_NE(xml.find(", MISREADING: size 1048576 B: busbw 3.146 GB/s"), std::string::npos) << xml;
}

}  // namespace
}  // namespace fabcheck::testing
