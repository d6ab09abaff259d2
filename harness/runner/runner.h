// fabcheck::Runner — the library entry point of a distributed run: tests + cluster → results.
// The CLI (`fabcheck run`) and the Python bindings are thin layers over it.
//
// run(): starts a control listener, launches one agent per slot with the chosen launcher
// (the per-run secret travels out of band), waits for registration (naming agents that died
// or never came), measures clock offsets, runs each test in order — an infrastructure problem
// makes that test an error and the run goes on — and tears everything down, also on an
// exception or interrupt. Results of tests that finished are always returned.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "harness/controller/controller.h"
#include "harness/launch/hosts.h"
#include "harness/model/site.h"

namespace fabcheck {

struct RunOptions {
  std::string launcher = "local";
  std::vector<launch::HostEntry> hosts;       // empty: this host with `agents` slots
  int agents = 2;                             // used when hosts is empty
  std::string binary;                         // fabcheck on the agents' hosts; default: this executable
  std::string controller_address = "127.0.0.1";  // where agents connect back to
  uint16_t controller_port = 0;               // control port to listen on (firewalls); 0: any free port
  std::map<std::string, std::string> launcher_options;
  std::vector<std::string> agent_args;        // extra agent options (safety limits, log level)
  controller::ControllerOptions controller;
  bool stop_on_error = false;                 // end the run after the first test with an error
  // 0 (or >= the agent count): every agent must register, else the start fails. 1..count-1: the run
  // goes on once at least this many registered and the others cannot come (launch failed, exited,
  // or the register timeout passed); the others are dropped (AgentInfo::dropped, with the reason),
  // logged as a warning naming their hosts, and left out of tests over "all agents".
  int min_agents = 0;
  // false: each test's outcome goes to on_test and is then dropped, not kept in RunResult.tests
  // (a suite run reports as it goes: thousands of agents' results are not held to the end).
  bool keep_outcomes = true;
  // Switches whose port counters the controller reads over SNMP around and through every test
  // (site files' `switches:`, docs/switches.md): metrics switch.* (harness/counters/switch_metrics.h).
  std::vector<model::SwitchSpec> switches;

  // Progress hooks, called on run()'s thread: once every agent registered and its clock was
  // measured; before each test (its index in `tests`).
  std::function<void(const std::vector<model::AgentInfo>&)> on_ready;
  std::function<void(size_t index, const model::TestSpec&)> on_test_start;
};

struct RunResult {
  int64_t launch_to_ready_ns = 0;             // launch until every agent registered and clocks measured
  std::vector<model::AgentInfo> agents;
  std::vector<model::TestOutcome> tests;      // empty with keep_outcomes false
  bool interrupted = false;
  bool stopped_on_error = false;              // stop_on_error ended the run early
};

class Runner {
 public:
  explicit Runner(RunOptions options);
  // Throws LaunchError/TimeoutError when agents cannot be started or never register (no test
  // ran); per-test problems are reported in the outcomes instead.
  RunResult run(const std::vector<model::TestSpec>& tests, const std::atomic<bool>* interrupt = nullptr,
                const std::function<void(const model::TestOutcome&)>& on_test = {});

 private:
  RunOptions options_;
};

}  // namespace fabcheck
