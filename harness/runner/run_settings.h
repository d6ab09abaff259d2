// RunSettings: what a person asks of a run, before it is checked. `fabcheck run`'s flags
// (harness/cli/run_command.cpp) and the Python keyword arguments (bindings/python/src/run.cpp)
// both land in this one struct; its defaults, written below, are the only ones. The callers
// only parse their input into it; resolveRunOptions()/resolveSuiteRun() check it and turn it
// into what runSuite() (suite_run.h) and AgentCluster take.
//
// Contract:
// - Defaults (a field left as constructed):
//     launcher           "" = local. `fabric` set = emulated (another launcher named is an error)
//     hosts              none = launch::defaultHosts(): this host with `agents` slots (local),
//                        the fabric's hosts (emulated), the allocation (slurm); required otherwise
//     agents             none = what the suite needs (Suite::agentsWanted(), at least 2); a cluster
//                        made without a suite: 2. Allowed 1 to 4096; not together with hosts
//     controller_address "" = 127.0.0.1 (local), the fabric's management address (emulated),
//                        else this host's name
//     binary             "" = this executable (Runner); Python always passes one
//     step_timeout 30s, register_timeout 60s, clock_step_bound 1ms (ControllerOptions::
//     clock_step_bound_ns; security.md "Faults"), max_rate/max_duration "" = no limit,
//     log_level warn, stop_on_error false, tests none = every test; agents start 200 ms apart
//     from the controller's start signal (ControllerOptions::start_delay_ns)
// - Every check throws ConfigError naming the option as the caller spells it (OptionStyle:
//   "--register-timeout soon" on the command line, "register_timeout='soon'" in Python) and the
//   value, and what was expected; the launcher's own checks (createLauncher) and hosts files'
//   (file:line:col) keep their messages. Nothing is started.
// - resolveRunOptions() also sets this process's log level (log::configure) to log_level.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/runner/runner.h"
#include "harness/runner/suite_run.h"

namespace fabcheck {

namespace suite {
struct Suite;
}

struct RunSettings {
  std::string launcher;                                // "": local
  std::string fabric;                                  // emulated fabric spec (docs/fabric.md)
  std::string hosts_file;                              // a hosts file (launch/hosts.h)...
  std::vector<std::string> host_lines;                 // ...or its lines ("node01 slots=2 rack=a")
  std::optional<int> agents;                           // see above
  std::map<std::string, std::string> launcher_options;  // KEY=VALUE for the launcher
  std::string controller_address;                      // where agents connect back to
  std::string binary;                                  // fabcheck on the agents' hosts
  std::string step_timeout = "30s";                    // each set-up step and each reply
  std::string register_timeout = "60s";                // agents starting and registering
  std::string clock_step_bound = "1ms";                // a larger step of an agent's clock errors its test
  std::string max_rate;                                // agents refuse plans sending faster
  std::string max_duration;                            // agents refuse longer tests
  std::string log_level = "warn";                      // trace, debug, info, warn, error, off
  bool stop_on_error = false;                          // end the run at the first test error
  std::vector<std::string> tests;                      // only these tests, in suite order
};

// The settings given as text, by key ("step_timeout"): launcher, fabric, controller_address,
// binary, step_timeout, register_timeout, clock_step_bound, max_rate, max_duration, log_level. The CLI reads
// them from its flags (optionName) and Python from its keyword arguments with these keys.
struct TextSetting {
  const char* key;
  std::string RunSettings::*field;
};
const std::vector<TextSetting>& textSettings();

// How the caller names an option in messages.
enum class OptionStyle {
  kCommandLine,  // --register-timeout, "--agents 5000"
  kPython,       // register_timeout, "agents=5000"
};

// "--step-timeout" / "step_timeout" for key "step_timeout".
std::string optionName(OptionStyle style, std::string_view key);
// The option with its value: "--agents 5000" / "agents=5000" (strings quoted in Python style:
// "launcher='ssh'").
std::string optionWithValue(OptionStyle style, std::string_view key, const std::string& value, bool quote = false);

// The settings as Runner/AgentCluster options: launcher checked (createLauncher), hosts
// resolved, controller address, timeouts and agent limits parsed. `agents_wanted` is the
// default agent count (see above).
RunOptions resolveRunOptions(const RunSettings& settings, int agents_wanted, OptionStyle style);

// resolveRunOptions() with the suite's agent count, the selected tests, and planSuite()'s
// checks against the hosts (unknown test names, tests needing more agents than given).
SuiteRunOptions resolveSuiteRun(const RunSettings& settings, const suite::Suite& suite, OptionStyle style);

}  // namespace fabcheck
