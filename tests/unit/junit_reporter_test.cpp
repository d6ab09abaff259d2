// The JUnit reporter (reports/junit_reporter.h) on the canned run (canned_run.h): every output
// validated against tests/junit.xsd with xmllint, counts and elements per verdict, escaping of
// hostile text, and the file an interrupted run leaves behind. The byte-for-byte comparison with
// tests/golden/junit_canned.xml is in reporter_approval_test.cpp.
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
#include "harness/results/flow_detail.h"
#include "reports/flow_findings.h"
#include "reports/junit_reporter.h"
#include "reports/reporter.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_helpers.h"
#include "tests/unit/canned_run.h"

namespace fabcheck::testing {
namespace {

using nlohmann::json;

const std::string kSourceDir = FABCHECK_SOURCE_DIR;
const std::string kSchema = kSourceDir + "/tests/junit.xsd";
constexpr const char* kXmllint = "/usr/bin/xmllint";

using canned::agents;
using canned::context;
using canned::endRecord;
using canned::failRecord;
using canned::passRecord;

class JunitReporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fabcheck-junit-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/report.xml";
    ASSERT_EQ(::access(kXmllint, X_OK), 0) << kXmllint << " is missing: scripts/install-deps.sh installs libxml2-utils";
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  // xmllint's verdict on the file against tests/junit.xsd: "" when valid, else its output.
  static std::string schemaErrors(const std::string& file) {
    const auto r = run({kXmllint, "--noout", "--schema", kSchema, file}, std::chrono::seconds(30));
    return r.status.code == 0 ? std::string() : "xmllint exit " + std::to_string(r.status.code) + ": " + r.err + r.out;
  }
  // An XPath expression's value (string() or count()) in the file, through xmllint.
  static std::string xpath(const std::string& file, const std::string& expr) {
    const auto r = run({kXmllint, "--xpath", expr, file}, std::chrono::seconds(30));
    EXPECT_EQ(r.status.code, 0) << "xmllint --xpath '" << expr << "' " << file << ": " << r.err;
    std::string out = r.out;
    if (!out.empty() && out.back() == '\n') out.pop_back();  // xmllint ends its answer with a newline
    return out;
  }

  std::string dir_, path_;
};

TEST_F(JunitReporterTest, ACannedRunIsValidAgainstTheSchema) {
  reports::JunitReporter r(path_);
  canned::play(r);
  EXPECT_EQ(schemaErrors(path_), "");
  EXPECT_EQ(r.describe(), "junit: " + path_);
  EXPECT_FALSE(std::ifstream(path_ + ".tmp").good()) << "the temporary file was left behind";
  const std::string interrupted = dir_ + "/interrupted.xml";
  reports::JunitReporter ri(interrupted);
  canned::play(ri, /*interrupted=*/true);
  EXPECT_EQ(schemaErrors(interrupted), "");
  EXPECT_EQ(xpath(interrupted, "count(//testcase)"), "2");
}

TEST_F(JunitReporterTest, CountsAndElementsFollowTheVerdicts) {
  reports::JunitReporter r(path_);
  canned::play(r);
  EXPECT_EQ(xpath(path_, "string(/testsuites/testsuite/@tests)"), "4");
  EXPECT_EQ(xpath(path_, "string(/testsuites/testsuite/@failures)"), "1");
  EXPECT_EQ(xpath(path_, "string(/testsuites/testsuite/@errors)"), "1");
  EXPECT_EQ(xpath(path_, "string(/testsuites/testsuite/@skipped)"), "1");
  EXPECT_EQ(xpath(path_, "string(/testsuites/testsuite/@time)"), "9.500");
  EXPECT_EQ(xpath(path_, "string(//testcase[@name='elephant-ring']/failure/@message)"),
            "throughput_gbps >= 0.9 * rate_gbps: observed 0.4125 Gbit/s, expected >= 0.45 Gbit/s");
  EXPECT_EQ(xpath(path_, "count(//testcase[@name='elephant-ring']/failure)"), "1");
  EXPECT_EQ(xpath(path_, "string(//testcase[@name='incast']/error/@type)"), "infrastructure");
  EXPECT_EQ(xpath(path_, "string(//testcase[@name='incast']/error/@message)"),
            "agent 1 (node02): phase start: no reply within 10s");
  EXPECT_EQ(xpath(path_, "string(//testcase[@name='fairness']/skipped/@message)"),
            "jain_fairness >= 0.95: jain_fairness needs at least 2 flows; this test has 1; "
            "one_way_latency_us.p99 <= 50: one_way_latency_us needs synchronised clocks; agent 1 (node02) has no "
            "measured offset");
  EXPECT_EQ(xpath(path_, "string(//testcase[@name='latency-matrix']/@time)"), "1.250");
  EXPECT_EQ(xpath(path_, "string(//testcase[@name='incast']/@time)"), "0.000");
  EXPECT_EQ(xpath(path_, "string(//property[@name='interrupted']/@value)"), "false");
  EXPECT_EQ(xpath(path_, "string(//property[@name='agents']/@value)"), "2");
}

TEST_F(JunitReporterTest, HostileTextIsEscapedAndComesBackIntact) {
  json t = failRecord();
  // Quotes, markup, a CDATA end, tab/newline, a control character, a bad UTF-8 byte and é.
  t["name"] = "a<b&c\"d'e>]]>\x01 \xC3\xA9";
  t["slos"][1]["reason"] = "x < 1 && y > \"2\"\x1B[0m\tend\r\nnext \xFF";
  reports::JunitReporter r(path_);
  r.begin(context());
  r.test(t);
  r.finish(endRecord());
  ASSERT_EQ(schemaErrors(path_), "");
  EXPECT_EQ(xpath(path_, "string(//testcase[1]/@name)"), "a<b&c\"d'e>]]> \xC3\xA9");
  EXPECT_EQ(xpath(path_, "string(//testcase[1]/failure)"),
            "x < 1 && y > \"2\"[0m\tend\r\nnext \xEF\xBF\xBD (suites/canned.yaml:21:9)");
}

TEST_F(JunitReporterTest, AnInterruptedRunLeavesAValidFileWithWhatFinished) {
  reports::JunitReporter r(path_);
  ASSERT_EQ(schemaErrors(path_), "") << "the file written at construction";
  r.begin(context());
  r.agents(agents());
  r.test(passRecord());
  // The process could die here: the file on disk is complete with the one test.
  ASSERT_EQ(schemaErrors(path_), "");
  EXPECT_EQ(xpath(path_, "count(//testcase)"), "1");
  EXPECT_EQ(xpath(path_, "string(//property[@name='interrupted']/@value)"), "true");

  json end = endRecord();
  end["interrupted"] = true;
  end["error"] = "agent 1 (node02) was lost: connection closed";
  r.finish(end);
  ASSERT_EQ(schemaErrors(path_), "");
  EXPECT_EQ(xpath(path_, "string(//property[@name='interrupted']/@value)"), "true");
  EXPECT_EQ(xpath(path_, "string(/testsuites/testsuite/@tests)"), "2");
  EXPECT_EQ(xpath(path_, "string(/testsuites/testsuite/@errors)"), "1");
  EXPECT_EQ(xpath(path_, "string(//testcase[@name='(run)']/error/@message)"),
            "agent 1 (node02) was lost: connection closed");
  EXPECT_EQ(xpath(path_, "string(//testcase[@name='(run)']/error/@type)"), "infrastructure");
}

// A failing test whose record has a flows summary (results/flow_detail.h): its failure message
// ends with the worst flows and hosts, bounded, and the file stays valid.
TEST_F(JunitReporterTest, AFailureMessageNamesTheWorstFlowsAndHosts) {
  json t = failRecord();
  json flows = json::array();
  for (int i = 0; i < 100; ++i) {
    const bool bad = i == 7 || i == 40;
    flows.push_back({{"flow_id", i}, {"sender_agent", i}, {"receiver_agent", i + 1},
                     {"sender_host", bad ? "node7" : "s" + std::to_string(i)},
                     {"receiver_host", bad ? "node8" : "r" + std::to_string(i)}, {"sent_packets", 1000},
                     {"received_packets", i == 7 ? 979 : 1000}, {"lost_packets", i == 7 ? 21 : 0},
                     {"throughput_gbps", i == 40 ? 0.05 : 0.2}, {"target_gbps", 0.25}});
  }
  t["metrics"]["per_flow"] = flows;
  results::keepFlows(t, suite::ReportSettings{});
  reports::JunitReporter r(path_);
  r.begin(context());
  r.test(t);
  r.finish(endRecord());
  ASSERT_EQ(schemaErrors(path_), "");
  EXPECT_EQ(xpath(path_, "string(//testcase[@name='elephant-ring']/failure/@message)"),
            "throughput_gbps >= 0.9 * rate_gbps: observed 0.4125 Gbit/s, expected >= 0.45 Gbit/s — worst flows: "
            "7→8 (node7→node8) loss 2.1%, 40→41 (node7→node8) 0.05 Gbit/s; "
            "hosts: node7 (2 flows), node8 (2 flows); of 100 flows");
  // Flow 0 is next worst but runs at the median: no finding. A passing test's testcase has no
  // message to extend.
  json pass = passRecord();
  pass["metrics"]["per_flow"] = flows;
  results::keepFlows(pass, suite::ReportSettings{});
  EXPECT_EQ(reports::junitXml(context(), agents(), json::array({pass}), endRecord()).find("worst flows"), std::string::npos);
}

TEST_F(JunitReporterTest, FlowFindingsAreBoundedAndAbsentWithoutASummary) {
  EXPECT_EQ(reports::flowFindings(failRecord()), "") << "the canned record has per_flow but no flows summary";
  json t = failRecord();
  json w = {{"sender_agent", 1}, {"receiver_agent", 2}, {"sender_host", std::string(500, 'h')},
            {"receiver_host", "r"}, {"by", "loss"}, {"loss_ratio", 0.5}};
  t["flows"] = {{"count", 3}, {"worst", json::array({w, w, w})}};
  const std::string f = reports::flowFindings(t, 120);
  EXPECT_LE(f.size(), 120u);
  EXPECT_EQ(f.rfind("worst flows: 1→2 (hhh", 0), 0u) << f;
  EXPECT_EQ(f.substr(f.size() - 3), "…");
  // Flows that all ran alike, without loss, are no finding.
  json same = {{"sender_agent", 1}, {"receiver_agent", 2}, {"by", "throughput"}, {"throughput_gbps", 0.5}};
  t["flows"] = {{"count", 2}, {"throughput_gbps", {{"p50", 0.5}}}, {"worst", json::array({same, same})}};
  EXPECT_EQ(reports::flowFindings(t), "");
}

// The reporter keeps what the XML shows, not the bulk of a record.
TEST_F(JunitReporterTest, TheReporterKeepsASlimRecordWithTheSameXml) {
  json t = failRecord();
  t["histograms"] = {{"latency_ns", {{"buckets", json::array({json::array({1, 2})})}}}};
  t["counters"] = {{"hosts", json::array()}};
  const json slim = reports::junitRecord(t);
  EXPECT_FALSE(slim.contains("histograms"));
  EXPECT_FALSE(slim.contains("counters"));
  EXPECT_FALSE(slim["metrics"].contains("per_flow"));
  EXPECT_FALSE(slim["metrics"].contains("intervals"));
  EXPECT_EQ(reports::junitXml(context(), agents(), json::array({slim}), endRecord()),
            reports::junitXml(context(), agents(), json::array({t}), endRecord()));
}

TEST_F(JunitReporterTest, AnUnwritablePathFailsAtConstructionNamingIt) {
  const std::string bad = dir_ + "/missing-dir/report.xml";
  EXPECT_EQ(errorOf<ConfigError>([&] { reports::JunitReporter r(bad); }),
            "junit report '" + bad + "': cannot write '" + bad + ".tmp': No such file or directory");
}

// Issue 19: a test with an infrastructure error and an SLO error of its own shows both.
TEST_F(JunitReporterTest, AnSloErrorIsNotHiddenByTheTestsError) {
  {
    reports::JunitReporter r(path_);
    r.begin(context());
    json rec = {{"name", "both"}, {"verdict", "error"}, {"error", "agent 1 (node02): lost"},
                {"slos", json::array({{{"expression", "busbw_gbps >= 1"}, {"verdict", "error"},
                                       {"reason", "busbw above the line rate"}},
                                      {{"expression", "loss_ratio == 0"}, {"verdict", "error"},
                                       {"reason", "the test did not complete: agent 1 (node02): lost"}}})}};
    r.test(rec);
    r.finish(endRecord());
  }
  EXPECT_EQ(schemaErrors(path_), "");
  EXPECT_EQ(xpath(path_, "count(//testcase[@name='both']/error)"), "2");
  EXPECT_EQ(xpath(path_, "string(//testcase[@name='both']/error[@type='slo']/@message)"),
            "busbw_gbps >= 1: busbw above the line rate");
  EXPECT_EQ(xpath(path_, "string(//testcase[@name='both']/error[@type='infrastructure']/@message)"),
            "agent 1 (node02): lost");
}

TEST_F(JunitReporterTest, TheRegistryKnowsJunit) {
  const auto r = reports::createReporter("junit:" + path_);
  EXPECT_EQ(r->describe(), "junit: " + path_);
  EXPECT_NE(errorOf<ConfigError>([] { reports::createReporter("xml:a"); }).find("junit:PATH"), std::string::npos);
}

}  // namespace
}  // namespace fabcheck::testing
