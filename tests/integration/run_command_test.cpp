// `fabcheck run` and `fabcheck validate` end to end: real agents on the local launcher, real
// reports, the documented exit codes.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/integration/gen_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

class RunCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fabcheck-run-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  std::string write(const std::string& name, const std::string& text) {
    const std::string p = dir_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
  json report() { return json::parse(slurp(dir_ + "/r.json")); }
  std::string dir_;
};

constexpr const char* kCliSuite = R"(name: cli
fabric: {line_rate_gbps: 10}
defaults: {duration: 500ms}
tests:
  - name: ping
    pattern: pingpong
    iterations: 500
    size: 64
    slos: ["latency_us.p99 <= 100000", "loss_ratio == 0"]
  - name: ring
    pattern: stream
    placement: ring
    rate: 1%
    slos: ["loss_ratio == 0"]
)";

TEST_F(RunCommand, ASuiteThatMeetsItsSlosExitsZeroAndWritesTheJsonReport) {
  const auto r = run({kFabcheckBin, "run", write("s.yaml", kCliSuite), "--agents", "3", "--report", "json:" + dir_ + "/r.json"},
                     seconds(60));
  ASSERT_EQ(r.status.code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("pass 2, fail 0, error 0, skipped 0"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("[1/2] ping (pingpong, pairs, 3 agents): running"), std::string::npos) << r.err;
  const json j = report();
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_TRUE(j["complete"].get<bool>());
  EXPECT_EQ(j["agents"].size(), 3u);
  ASSERT_EQ(j["tests"].size(), 2u);
  EXPECT_EQ(j["tests"][0]["verdict"], "pass");
  EXPECT_EQ(j["tests"][0]["slos"][0]["where"], dir_ + "/s.yaml:9:12");
  EXPECT_EQ(j["tests"][1]["participants"], json({0, 1, 2}));
  EXPECT_EQ(j["tests"][1]["metrics"]["lost_packets"], 0);
  EXPECT_GT(j["tests"][1]["metrics"]["throughput_gbps"].get<double>(), 0.2);
  EXPECT_EQ(j["end"]["exit_code"], 0);
  // The controller's own figures (issue 18): how long the agents took, its peak memory, and
  // per test the time of each phase.
  EXPECT_EQ(j["end"]["controller"]["agents"], 3);
  EXPECT_GT(j["end"]["controller"]["launch_to_ready_s"].get<double>(), 0.0);
  EXPECT_GT(j["end"]["controller"]["peak_rss_bytes"].get<int64_t>(), 1'000'000);
  for (const char* phase : {"setup", "connect", "start", "run", "results"}) {
    EXPECT_GE(j["tests"][1]["phases_ms"][phase].get<double>(), 0.0) << phase;
  }
  EXPECT_GE(j["tests"][1]["phases_ms"]["run"].get<double>(), 400.0) << "a 500 ms stream runs about that long";
}

TEST_F(RunCommand, AFailedSloExitsOneWithObservedAndThreshold) {
  const std::string suite = R"(name: strict
tests:
  - name: ping
    pattern: pingpong
    iterations: 200
    slos: ["latency_us.p50 <= 0.001"]
)";
  const auto r = run({kFabcheckBin, "run", write("s.yaml", suite), "--report", "json:" + dir_ + "/r.json"}, seconds(60));
  ASSERT_EQ(r.status.code, 1) << r.err << r.out;
  const json slo = report()["tests"][0]["slos"][0];
  EXPECT_EQ(slo["verdict"], "fail");
  EXPECT_GT(slo["observed"].get<double>(), 0.001);
  EXPECT_DOUBLE_EQ(slo["threshold"].get<double>(), 0.001);
  EXPECT_NE(r.out.find("FAIL"), std::string::npos) << r.out;
}

TEST_F(RunCommand, SuiteErrorsExitTwoBeforeAnyAgentStarts) {
  const auto r = run({kFabcheckBin, "run", write("s.yaml", "name: x\ntests:\n  - name: a\n    pattern: stream\n    sise: 64\n")},
                     seconds(20));
  EXPECT_EQ(r.status.code, 2);
  EXPECT_EQ(r.err, dir_ + "/s.yaml:5:5: unknown key 'sise' in tests[0]; did you mean 'size'?\n");
  const auto v = run({kFabcheckBin, "validate", dir_ + "/s.yaml"}, seconds(20));
  EXPECT_EQ(v.status.code, 2);
  EXPECT_EQ(v.err, r.err);
}

TEST_F(RunCommand, ATestNeedingMoreAgentsThanTheHostsGiveIsRefusedUpFront) {
  const std::string suite = "name: x\ntests:\n  - {name: wide, pattern: incast, fan_in: 7, burst: 4KiB, burst_interval: 1ms}\n";
  const std::string hosts = write("hosts", "localhost slots=3 rack=a\n");
  const auto r = run({kFabcheckBin, "run", write("s.yaml", suite), "--hosts", hosts}, seconds(20));
  EXPECT_EQ(r.status.code, 2);
  EXPECT_EQ(r.err, "fabcheck run: " + dir_ + "/s.yaml:3:5: test 'wide' needs 8 agents; the selection (all agents) has 3\n");
}

TEST_F(RunCommand, LabelsSelectTheAgentsOfATest) {
  const std::string suite = "name: x\ndefaults: {duration: 300ms, rate: 10Mbit/s}\ntests:\n"
                            "  - {name: rack-b, pattern: stream, placement: ring, participants: rack=b}\n";
  const std::string hosts = write("hosts", "127.0.0.1 slots=2 rack=a\nlocalhost slots=2 rack=b\n");
  const auto r = run({kFabcheckBin, "run", write("s.yaml", suite), "--hosts", hosts, "--report", "json:" + dir_ + "/r.json"},
                     seconds(60));
  ASSERT_EQ(r.status.code, 0) << r.err;
  const json t = report()["tests"][0];
  EXPECT_EQ(t["participants"], json({2, 3}));
  EXPECT_EQ(report()["agents"].size(), 4u);
}

TEST_F(RunCommand, AnInterruptedRunLeavesAValidReportOfWhatFinished) {
  const std::string suite = "name: x\ndefaults: {duration: 1s, rate: 10Mbit/s}\ntests:\n"
                            "  - {name: one, pattern: stream}\n  - {name: two, pattern: stream, duration: 10min}\n"
                            "  - {name: three, pattern: stream}\n";
  auto p = Subprocess::start({kFabcheckBin, "run", write("s.yaml", suite), "--report", "json:" + dir_ + "/r.json",
                              "--report", "junit:" + dir_ + "/r.xml", "--report", "html:" + dir_ + "/r.html"});
  ASSERT_TRUE(p.waitForStderr("[2/3] two", std::chrono::seconds(30))) << p.err();
  p.signal(SIGINT);
  const auto st = p.waitExit(std::chrono::seconds(30));
  EXPECT_EQ(st.code, 3) << p.err();
  const json j = report();
  EXPECT_TRUE(j["complete"].get<bool>());
  EXPECT_TRUE(j["end"]["interrupted"].get<bool>());
  ASSERT_EQ(j["tests"].size(), 3u);  // the running test is aborted; the third never starts: skipped
  EXPECT_EQ(j["tests"][0]["verdict"], "pass");
  EXPECT_EQ(j["tests"][1]["verdict"], "error");
  EXPECT_EQ(j["tests"][1]["error"].get<std::string>().rfind("interrupted during ", 0), 0u) << j["tests"][1]["error"];
  EXPECT_EQ(j["tests"][2]["name"], "three");
  EXPECT_EQ(j["tests"][2]["verdict"], "skipped");
  EXPECT_EQ(j["tests"][2]["skipped_reason"], "interrupted");
  EXPECT_EQ(j["end"]["counts"]["skipped"], 1);
  const std::string junit = slurp(dir_ + "/r.xml"), html = slurp(dir_ + "/r.html");
  EXPECT_NE(junit.find("<testcase name=\"three\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("<skipped message=\"interrupted\"/>"), std::string::npos) << junit;
  EXPECT_NE(html.find("three"), std::string::npos);
}

TEST_F(RunCommand, AKilledControllerStillLeavesValidJson) {
  const std::string suite = "name: x\ndefaults: {duration: 1s, rate: 10Mbit/s}\ntests:\n"
                            "  - {name: one, pattern: stream}\n  - {name: two, pattern: stream}\n";
  auto p = Subprocess::start({kFabcheckBin, "run", write("s.yaml", suite), "--report", "json:" + dir_ + "/r.json"});
  ASSERT_TRUE(p.waitForStderr("[2/2] two", std::chrono::seconds(30))) << p.err();
  p.signal(SIGKILL);
  p.waitExit(std::chrono::seconds(10));
  const json j = report();
  EXPECT_FALSE(j["complete"].get<bool>());
  ASSERT_EQ(j["tests"].size(), 1u);
  EXPECT_EQ(j["tests"][0]["name"], "one");
}

// The suite's report: key (issue 18): the record keeps only the worst flow and summarises all
// three; the sidecar next to the JSON report has every flow.
TEST_F(RunCommand, TheReportKeyKeepsTheWorstFlowsAndTheSidecarAll) {
  const std::string suite = R"(name: flows
report: {per_flow: worst, worst_flows: 1, flows_sidecar: true}
tests:
  - name: ring
    pattern: stream
    placement: ring
    rate: 10Mbit/s
    duration: 300ms
    slos: ["throughput_gbps >= 1000"]
)";
  const auto r = run({kFabcheckBin, "run", write("s.yaml", suite), "--agents", "3", "--report", "json:" + dir_ + "/r.json",
                      "--report", "junit:" + dir_ + "/r.xml"},
                     seconds(60));
  ASSERT_EQ(r.status.code, 1) << r.err << r.out;
  const json t = report()["tests"][0];
  EXPECT_EQ(t["metrics"]["per_flow"].size(), 1u);
  EXPECT_EQ(t["flows"]["count"], 3);
  EXPECT_EQ(t["flows"]["kept"], "worst");
  EXPECT_EQ(t["metrics"]["per_flow"][0]["flow_id"], t["flows"]["worst"][0]["flow_id"]);
  std::ifstream sidecar(dir_ + "/r.json.flows.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(sidecar, line)) {
    const json f = json::parse(line);
    EXPECT_EQ(f["test"], "ring");
    EXPECT_TRUE(f.contains("throughput_gbps"));
    ++lines;
  }
  EXPECT_EQ(lines, 3);
  // Three flows at one rate name no flow in the JUnit message (flow_findings.h), but the
  // failure is there.
  EXPECT_NE(slurp(dir_ + "/r.xml").find("<failure message=\"throughput_gbps &gt;= 1000: observed"), std::string::npos);
}

TEST_F(RunCommand, AgentsRefusePlansAboveTheirLimitAndStopOnErrorEndsTheRun) {
  const std::string suite = "name: x\ndefaults: {duration: 300ms}\ntests:\n"
                            "  - {name: flood, pattern: stream}\n"                    // unlimited rate
                            "  - {name: polite, pattern: stream, rate: 1Mbit/s}\n";
  const std::string s = write("s.yaml", suite);
  auto r = run({kFabcheckBin, "run", s, "--max-rate", "100Mbit/s", "--report", "json:" + dir_ + "/r.json"}, seconds(60));
  EXPECT_EQ(r.status.code, 3) << r.err;
  json j = report();
  ASSERT_EQ(j["tests"].size(), 2u);
  EXPECT_EQ(j["tests"][0]["verdict"], "error");
  EXPECT_NE(j["tests"][0]["error"].get<std::string>().find("refuses the plan: the plan sends at an unlimited rate"),
            std::string::npos) << j["tests"][0]["error"];
  EXPECT_EQ(j["tests"][1]["verdict"], "pass");  // the run went on

  r = run({kFabcheckBin, "run", s, "--max-rate", "100Mbit/s", "--stop-on-error", "--report", "json:" + dir_ + "/r.json"},
          seconds(60));
  EXPECT_EQ(r.status.code, 3) << r.err;
  j = report();
  ASSERT_EQ(j["tests"].size(), 2u);  // the second never started: listed skipped (issue 19)
  EXPECT_EQ(j["tests"][1]["verdict"], "skipped");
  EXPECT_EQ(j["tests"][1]["skipped_reason"], "stopped on error");
  EXPECT_TRUE(j["complete"].get<bool>());
}

TEST_F(RunCommand, UsageErrorsExitTwoNamingTheValue) {
  const std::string s = write("s.yaml", kCliSuite);
  auto r = run({kFabcheckBin, "run", s, "--launcher", "pbs"}, seconds(20));
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find("launcher 'pbs' is unknown"), std::string::npos) << r.err;
  r = run({kFabcheckBin, "run", s, "--report", "xml:" + dir_ + "/a.xml"}, seconds(20));
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find("unknown format 'xml'"), std::string::npos) << r.err;
  r = run({kFabcheckBin, "run", s, "--test", "nope"}, seconds(20));
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find("--test 'nope'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace fabcheck::testing
