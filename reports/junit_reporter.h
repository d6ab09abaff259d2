// The JUnit XML report (`--report junit:PATH`), as Jenkins, GitLab and GitHub test reporters
// read it (the schema: tests/junit.xsd):
//
//   <testsuites name="fabcheck" tests failures errors skipped time timestamp>
//     <testsuite name=SUITE tests failures errors skipped time timestamp hostname>
//       <properties> suite, suite.file, suite.site_files, fabric.transport,
//                    fabric.line_rate_gbps, launcher, fabcheck.version, agents, interrupted
//                    (and run.error when the run failed) </properties>
//       <testcase name=TEST classname="fabcheck.SUITE" time=metrics.duration_s (0 without)>
//         verdict skipped: <skipped message="the skipped SLOs' reasons"/>
//         verdict error:   <error type="infrastructure"> with the test's error, or one
//                          <error type="slo"> per SLO that could not be evaluated
//         verdict fail:    one <failure type="slo" message="EXPR: observed X, expected OP T">
//                          per failed SLO, its reason (and place in the suite) as the text
//         a failure's or error's message ends with the SLO's findings and the test's worst
//         flows and hosts (" — worst flows: 3→4 (n3→n4) loss 2.1%, ...", flow_findings.h)
//         <system-out> key figures (throughput, loss, latency p50/p99, start skew; for a
//                      collective busbw/algbw/time, one line per size and the straggler) and
//                      every SLO with its verdict and reason </system-out>
//         <system-err> the test's error, when it has one </system-err>
//       </testcase>
//       <testcase name="(run)"> with an <error type="infrastructure"> when end.error is set
//     </testsuite>
//   </testsuites>
//
// Counts are those of the testcases written; time is end.duration_s once finished, the sum of
// the tests' times before. Timestamps are the run's start (UTC, without zone: the Ant form).
// Unlike the JSON report (which appends), the file is rewritten whole through a temporary
// file and rename() after every event, so at any moment — also after Ctrl-C or a crash — it is complete, valid
// XML with the tests that finished; property interrupted is "true" until finish() of a run
// that was not interrupted.
#pragma once

#include <string>

#include "reports/whole_file_reporter.h"

namespace fabcheck::reports {

class JunitReporter : public WholeFileReporter {
 public:
  explicit JunitReporter(std::string path);  // throws ConfigError when the file cannot be written

 protected:
  std::string render(const RunSoFar& run) const override;
  bool keepRecord(const nlohmann::json& record) override;  // keeps junitRecord(record)

 private:
  nlohmann::json tests_ = nlohmann::json::array();
};

// What of a test record the XML shows: the record without histograms, counters, nic, matrix,
// metrics_missing, metrics.per_flow/intervals and collective.sizes[].per_rank/links (the bulk
// at thousands of agents), so the reporter holds a few KB per test, not the record.
nlohmann::json junitRecord(const nlohmann::json& record);

std::string junitXml(const nlohmann::json& context, const nlohmann::json& agents, const nlohmann::json& tests,
                     const nlohmann::json& end);

}  // namespace fabcheck::reports
