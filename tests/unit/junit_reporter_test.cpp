// The JUnit reporter (reports/junit_reporter.h): a canned run compared byte for byte with
// tests/golden/junit_canned.xml (approval test), every output validated against tests/junit.xsd
// with xmllint, escaping of hostile text, and the file an interrupted run leaves behind.
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
#include "reports/junit_reporter.h"
#include "reports/reporter.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::testing {
namespace {

using nlohmann::json;

const std::string kSourceDir = FABCHECK_SOURCE_DIR;
const std::string kSchema = kSourceDir + "/tests/junit.xsd";
const std::string kGolden = kSourceDir + "/tests/golden/junit_canned.xml";
constexpr const char* kXmllint = "/usr/bin/xmllint";

json context() {
  return {{"schema_version", 1},
          {"fabcheck_version", "0.1.0"},
          {"suite", {{"name", "canned"}, {"description", "a fixed run"}, {"file", "suites/canned.yaml"}, {"site_files", json::array()}}},
          {"fabric", {{"transport", "udp"}, {"dscp", 0}, {"ecn", 0}, {"line_rate_gbps", 10}, {"mtu", nullptr}}},
          {"launcher", "local"},
          {"controller_host", "node00"},
          {"started_at", "2026-11-21T15:00:00Z"}};
}

json agents() {
  return json::array({{{"id", 0}, {"host", "node01"}, {"version", "0.1.0"}, {"pid", 4242}, {"lost", false}},
                      {{"id", 1}, {"host", "node02"}, {"version", "0.1.0"}, {"pid", 4243}, {"lost", false}}});
}

json slo(const std::string& expr, const std::string& verdict, json observed, double threshold, const std::string& metric,
         const std::string& unit, const std::string& reason, const std::string& where) {
  return {{"expression", expr}, {"verdict", verdict}, {"metric", metric},   {"unit", unit},
          {"observed", observed}, {"threshold", threshold}, {"reason", reason}, {"where", where}};
}

json passRecord() {
  return {{"name", "latency"},
          {"description", "pingpong between two agents"},
          {"pattern", "pingpong"},
          {"placement", "pairs"},
          {"transport", "udp"},
          {"participants", {0, 1}},
          {"verdict", "pass"},
          {"error", nullptr},
          {"start_skew_us", nullptr},
          {"slos", json::array({slo("latency_us.p99 <= 2000", "pass", 60.75, 2000, "latency_us.p99", "us",
                                    "latency_us.p99 = 60.75 us, expected <= 2000", "suites/canned.yaml:9:9")})},
          {"metrics",
           {{"duration_s", 1.25}, {"throughput_gbps", 0.012}, {"loss_ratio", 0}, {"lost_packets", 0}, {"sent_packets", 4000},
            {"latency_us", {{"p50", 18.125}, {"p99", 60.75}}}, {"latency_kind", "rtt"}}}};
}

json failRecord() {
  return {{"name", "elephant"},
          {"pattern", "stream"},
          {"placement", "ring"},
          {"participants", {0, 1}},
          {"verdict", "fail"},
          {"error", nullptr},
          {"start_skew_us", 12.5},
          {"slos", json::array({slo("loss_ratio == 0", "pass", 0, 0, "loss_ratio", "", "loss_ratio = 0, expected == 0",
                                    "suites/canned.yaml:20:9"),
                                slo("throughput_gbps >= 0.9 * rate_gbps", "fail", 0.4125, 0.45, "throughput_gbps", "Gbit/s",
                                    "throughput_gbps = 0.4125 Gbit/s, expected >= 0.45", "suites/canned.yaml:21:9")})},
          {"metrics",
           {{"duration_s", 3.000125}, {"throughput_gbps", 0.4125}, {"loss_ratio", 0}, {"lost_packets", 0}, {"sent_packets", 110000}}}};
}

json errorRecord() {
  const std::string error = "agent 1 (node02): phase start: no reply within 10s\nits log ends: bind failed";
  return {{"name", "incast"},
          {"pattern", "incast"},
          {"placement", "incast"},
          {"participants", {0, 1}},
          {"verdict", "error"},
          {"error", error},
          {"start_skew_us", nullptr},
          {"slos", json::array({slo("loss_ratio == 0", "error", nullptr, 0, "loss_ratio", "", error, "suites/canned.yaml:30:9")})},
          {"metrics", json::object()}};
}

json skippedRecord() {
  return {{"name", "fairness"},
          {"pattern", "stream"},
          {"placement", "pairs"},
          {"participants", {0, 1}},
          {"verdict", "skipped"},
          {"error", nullptr},
          {"start_skew_us", nullptr},
          {"slos", json::array({slo("jain_fairness >= 0.95", "skipped", nullptr, 0.95, "jain_fairness", "",
                                    "jain_fairness needs at least 2 flows; this test has 1", "suites/canned.yaml:40:9")})},
          {"metrics", {{"duration_s", 2}, {"throughput_gbps", 1}, {"loss_ratio", 0}, {"lost_packets", 0}}}};
}

json endRecord() {
  return {{"finished_at", "2026-11-21T15:00:09Z"}, {"duration_s", 9.5},           {"interrupted", false},
          {"stopped_on_error", false},              {"error", nullptr},           {"counts", {{"pass", 1}, {"fail", 1}, {"error", 1}, {"skipped", 1}}},
          {"exit_code", 3}};
}

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

TEST_F(JunitReporterTest, ACannedRunMatchesTheGoldenFileAndTheSchema) {
  reports::JunitReporter r(path_);
  r.begin(context());
  r.agents(agents());
  for (const json& t : {passRecord(), failRecord(), errorRecord(), skippedRecord()}) r.test(t);
  r.finish(endRecord());

  const std::string actual = slurp(path_);
  EXPECT_EQ(schemaErrors(path_), "");
  const std::string golden = slurp(kGolden);
  if (actual != golden) {
    const std::string keep = ::testing::TempDir() + "junit_canned.actual.xml";
    std::ofstream(keep) << actual;
    ADD_FAILURE() << (golden.empty() ? "the golden file is missing or empty: " : "the output differs from the golden file: ")
                  << kGolden << "\n  see: diff -u " << kGolden << " " << keep
                  << "\n  after checking the output by hand, accept it with: cp " << keep << " " << kGolden;
  }
  EXPECT_EQ(r.describe(), "junit: " + path_);
  EXPECT_FALSE(std::ifstream(path_ + ".tmp").good()) << "the temporary file was left behind";
}

TEST_F(JunitReporterTest, CountsAndElementsFollowTheVerdicts) {
  reports::JunitReporter r(path_);
  r.begin(context());
  r.agents(agents());
  for (const json& t : {passRecord(), failRecord(), errorRecord(), skippedRecord()}) r.test(t);
  r.finish(endRecord());
  EXPECT_EQ(xpath(path_, "string(/testsuites/testsuite/@tests)"), "4");
  EXPECT_EQ(xpath(path_, "string(/testsuites/testsuite/@failures)"), "1");
  EXPECT_EQ(xpath(path_, "string(/testsuites/testsuite/@errors)"), "1");
  EXPECT_EQ(xpath(path_, "string(/testsuites/testsuite/@skipped)"), "1");
  EXPECT_EQ(xpath(path_, "string(/testsuites/testsuite/@time)"), "9.500");
  EXPECT_EQ(xpath(path_, "string(//testcase[@name='elephant']/failure/@message)"),
            "throughput_gbps >= 0.9 * rate_gbps: observed 0.4125 Gbit/s, expected >= 0.45 Gbit/s");
  EXPECT_EQ(xpath(path_, "count(//testcase[@name='elephant']/failure)"), "1");
  EXPECT_EQ(xpath(path_, "string(//testcase[@name='incast']/error/@type)"), "infrastructure");
  EXPECT_EQ(xpath(path_, "string(//testcase[@name='incast']/error/@message)"),
            "agent 1 (node02): phase start: no reply within 10s");
  EXPECT_EQ(xpath(path_, "string(//testcase[@name='fairness']/skipped/@message)"),
            "jain_fairness >= 0.95: jain_fairness needs at least 2 flows; this test has 1");
  EXPECT_EQ(xpath(path_, "string(//testcase[@name='latency']/@time)"), "1.250");
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

TEST_F(JunitReporterTest, AnUnwritablePathFailsAtConstructionNamingIt) {
  const std::string bad = dir_ + "/missing-dir/report.xml";
  EXPECT_EQ(errorOf<ConfigError>([&] { reports::JunitReporter r(bad); }),
            "junit report '" + bad + "': cannot write '" + bad + ".tmp': No such file or directory");
}

TEST_F(JunitReporterTest, TheRegistryKnowsJunit) {
  const auto r = reports::createReporter("junit:" + path_);
  EXPECT_EQ(r->describe(), "junit: " + path_);
  EXPECT_NE(errorOf<ConfigError>([] { reports::createReporter("xml:a"); }).find("junit:PATH"), std::string::npos);
}

}  // namespace
}  // namespace fabcheck::testing
