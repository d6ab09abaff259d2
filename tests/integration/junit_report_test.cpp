// `fabcheck run --report junit:PATH` end to end: real agents on the local launcher, the JUnit
// file validated against tests/junit.xsd with xmllint.
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/integration/gen_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::testing {
namespace {

using std::chrono::seconds;

constexpr const char* kXmllint = "/usr/bin/xmllint";
const std::string kSchema = std::string(FABCHECK_SOURCE_DIR) + "/tests/junit.xsd";

constexpr const char* kJunitSuite = R"(name: junit-cli
fabric: {line_rate_gbps: 10}
tests:
  - name: ping
    pattern: pingpong
    iterations: 200
    size: 64
    slos: ["loss_ratio == 0", "latency_us.p99 <= 1000000"]
)";

class JunitReport : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fabcheck-junit-run-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_EQ(::access(kXmllint, X_OK), 0) << kXmllint << " is missing: scripts/install-deps.sh installs libxml2-utils";
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  std::string xpath(const std::string& file, const std::string& expr) {
    const auto r = run({kXmllint, "--xpath", expr, file}, seconds(30));
    EXPECT_EQ(r.status.code, 0) << "xmllint --xpath '" << expr << "' " << file << ": " << r.err;
    std::string out = r.out;
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  std::string dir_;
};

TEST_F(JunitReport, ARunWritesASchemaValidJunitFileWithOneTestcasePerTest) {
  const std::string suite = dir_ + "/s.yaml", report = dir_ + "/junit.xml";
  std::ofstream(suite) << kJunitSuite;
  const auto r = run({kFabcheckBin, "run", suite, "--agents", "2", "--report", "junit:" + report}, seconds(60));
  ASSERT_EQ(r.status.code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("report junit: " + report), std::string::npos) << r.out;

  const auto v = run({kXmllint, "--noout", "--schema", kSchema, report}, seconds(30));
  EXPECT_EQ(v.status.code, 0) << "xmllint: " << v.err << "\n" << slurp(report);
  EXPECT_EQ(xpath(report, "count(/testsuites/testsuite/testcase)"), "1");
  EXPECT_EQ(xpath(report, "string(/testsuites/testsuite/@tests)"), "1");
  EXPECT_EQ(xpath(report, "string(/testsuites/testsuite/@failures)"), "0");
  EXPECT_EQ(xpath(report, "string(/testsuites/testsuite/@name)"), "junit-cli");
  EXPECT_EQ(xpath(report, "string(//testcase/@name)"), "ping");
  EXPECT_EQ(xpath(report, "string(//testcase/@classname)"), "fabcheck.junit-cli");
  EXPECT_EQ(xpath(report, "count(//testcase/failure | //testcase/error | //testcase/skipped)"), "0");
  EXPECT_EQ(xpath(report, "string(//property[@name='agents']/@value)"), "2");
  EXPECT_EQ(xpath(report, "string(//property[@name='interrupted']/@value)"), "false");
  EXPECT_NE(slurp(report).find("slo pass: loss_ratio == 0"), std::string::npos) << slurp(report);
}

}  // namespace
}  // namespace fabcheck::testing
