// runSuite(): a whole suite run as one library call — the code path `fabcheck run` and the Python
// bindings share. Suite + options → per-test records (the reporters' JSON, reports/reporter.h)
// with SLO verdicts, fed to any number of reporters as each test finishes. Both make their
// SuiteRunOptions from RunSettings (run_settings.h: the one set of defaults and checks).
//
// Contract:
// - planSuite() checks everything about the input that can be checked before anything starts
//   (SLOs, test names in `only_tests`, participants against the hosts) and throws ConfigError
//   (suite::SuiteError for SLO diagnostics) naming what is wrong. Pure; no I/O.
// - runSuite() calls planSuite() (ConfigError propagates before any reporter is called), then
//   begin(context) → agents() → test(record) per finished test → finish(end) on every reporter;
//   finish() is called also after an interrupt or a run-level failure (agents never registered),
//   so what finished is always written. With the suite's report: {flows_sidecar: true},
//   flows(test, every flow) follows test() (results/flow_detail.h: the record may keep only the
//   worst flows). A reporter that throws is named in one line through
//   hooks.on_message ("fabcheck run: report json: r.json failed, it is incomplete: <why>"), is
//   not called again, the others go on, and the run's exit_code is 3 (unless 2). Run-level failures do not throw: they are in
//   SuiteRunResult::run_error (and the end record), with exit_code set.
// - exit_code: 0 every test passed (or skipped), 1 an SLO failed, 2 a usage/config error found
//   while running, 3 an infrastructure error (a test error, agents that never came, interrupt).
// - With a cluster (AgentCluster, started), the run reuses its agents instead of launching new
//   ones; RunOptions' launcher fields are then ignored and participants are resolved against
//   the cluster's hosts.
// - Hooks are called on runSuite()'s thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/runner/runner.h"
#include "harness/suite/suite.h"

namespace fabcheck::reports {
class Reporter;
}
namespace fabcheck::slo {
struct SloResult;
}

namespace fabcheck {

class AgentCluster;

struct SuiteRunHooks {
  std::function<void(const std::vector<model::AgentInfo>&)> on_ready;
  // Before each test: its index among the planned tests, their number, the suite test and the
  // resolved spec (agents filled in).
  std::function<void(size_t index, size_t total, const suite::SuiteTest&, const model::TestSpec&)> on_test_start;
  // After each test, with its record (as the reporters got it).
  std::function<void(const nlohmann::json& record)> on_test;
  // Status lines for people: interrupted, stopped on error, a reporter that failed.
  std::function<void(const std::string&)> on_message;
};

struct SuiteRunOptions {
  RunOptions run;                       // launcher, hosts/agents, binary, timeouts, stop_on_error
  std::vector<std::string> only_tests;  // empty: every test of the suite, in order
  SuiteRunHooks hooks;
  // false: SuiteRunResult::tests and constants stay empty (the CLI: the reporters have written
  // each record, so the run does not hold the whole report in memory).
  bool keep_records = true;
};

struct PlannedTest {
  const suite::SuiteTest* test = nullptr;  // points into the suite given to planSuite()
  model::TestSpec spec;               // with its agents resolved
};

struct SuiteRunResult {
  nlohmann::json context;                // reporters' begin()
  nlohmann::json agents = nlohmann::json::array();
  std::vector<nlohmann::json> tests;     // records, in run order
  // Per record: the SLO constants of its test (line_rate_gbps, size_bytes...), for evaluating
  // further SLO expressions against the record's metrics after the run.
  std::vector<std::map<std::string, double>> constants;
  nlohmann::json end;                    // reporters' finish()
  bool interrupted = false;
  bool stopped_on_error = false;
  std::string run_error;                 // "" or the run-level failure
  std::exception_ptr run_exception;      // the exception behind run_error (its type), or null
  int exit_code = 0;
  int64_t launch_to_ready_ns = -1;       // launch until every agent registered; -1 when they never did
};

// The hosts a run uses when none are given: this host with `agents` slots (as Runner does).
std::vector<launch::HostEntry> hostsOf(const RunOptions& options);

std::vector<PlannedTest> planSuite(const suite::Suite& suite, const std::vector<launch::HostEntry>& hosts,
                                   const std::vector<std::string>& only_tests);

SuiteRunResult runSuite(const suite::Suite& suite, const SuiteRunOptions& options,
                        const std::vector<reports::Reporter*>& reporters, const std::atomic<bool>* interrupt = nullptr,
                        AgentCluster* cluster = nullptr);

// The record's SLO object: {expression, verdict, metric, unit, op, observed, threshold, reason, where}.
nlohmann::json sloJson(const slo::SloResult& r);

}  // namespace fabcheck
