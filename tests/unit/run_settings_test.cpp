// RunSettings (harness/runner/run_settings.h): the one set of run defaults `fabcheck run` and
// Python share, and every check naming the option, as each caller spells it, and its value.
#include "harness/runner/run_settings.h"

#include <gtest/gtest.h>

#include <stdlib.h>

#include "generators/core/errors.h"
#include "generators/core/host_info.h"
#include "harness/suite/suite_loader.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_helpers.h"

namespace fabcheck {
namespace {

using testing::errorOf;
constexpr OptionStyle kCli = OptionStyle::kCommandLine;
constexpr OptionStyle kPy = OptionStyle::kPython;

// The ConfigError message resolveRunOptions() gives for `s` (agents wanted: 2).
std::string errorIn(const RunSettings& s, OptionStyle style) {
  return errorOf<ConfigError>([&] { resolveRunOptions(s, 2, style); });
}

suite::Suite twoTests() {
  return suite::parseSuite(
      "name: s\ntests:\n  - name: ping\n    pattern: pingpong\n    iterations: 10\n"
      "  - name: fan\n    pattern: incast\n    fan_in: 4\n    size: 1400\n    burst: 64KiB\n    burst_interval: 5ms\n"
      "    duration: 1s\n",
      "s.yaml");
}

TEST(RunnerSettings, DefaultsAreTheDocumentedOnes) {
  const RunSettings s;
  EXPECT_EQ(s.step_timeout, "30s");
  EXPECT_EQ(s.register_timeout, "60s");
  EXPECT_EQ(s.clock_step_bound, "1ms");
  EXPECT_EQ(s.log_level, "warn");
  EXPECT_FALSE(s.agents);
  EXPECT_FALSE(s.stop_on_error);

  const RunOptions ro = resolveRunOptions(s, 3, kPy);
  EXPECT_EQ(ro.launcher, "local");
  EXPECT_EQ(ro.agents, 3) << "the agents wanted";
  ASSERT_EQ(ro.hosts.size(), 1u);
  EXPECT_EQ(ro.hosts[0].name, "localhost");
  EXPECT_EQ(ro.hosts[0].slots, 3);
  EXPECT_EQ(ro.controller_address, "127.0.0.1");
  EXPECT_EQ(ro.binary, "") << "this executable";
  EXPECT_EQ(ro.controller.step_timeout_ns, 30'000'000'000);
  EXPECT_EQ(ro.controller.register_timeout_ns, 60'000'000'000);
  EXPECT_EQ(ro.controller.clock_step_bound_ns, 1'000'000);
  EXPECT_EQ(ro.controller.start_delay_ns, 200'000'000);
  EXPECT_EQ(ro.agent_args, (std::vector<std::string>{"--log-level", "warn"}));
  EXPECT_FALSE(ro.stop_on_error);
}

TEST(RunnerSettings, GivenValuesReachTheRunOptions) {
  RunSettings s;
  s.agents = 4;
  s.controller_address = "10.1.2.3";
  s.binary = "/opt/fabcheck";
  s.register_timeout = "5s";
  s.clock_step_bound = "20ms";
  s.max_rate = "1Gbit/s";
  s.max_duration = "10s";
  s.log_level = "error";
  s.stop_on_error = true;
  const RunOptions ro = resolveRunOptions(s, 2, kCli);
  EXPECT_EQ(ro.hosts[0].slots, 4);
  EXPECT_EQ(ro.controller_address, "10.1.2.3");
  EXPECT_EQ(ro.binary, "/opt/fabcheck");
  EXPECT_EQ(ro.controller.register_timeout_ns, 5'000'000'000);
  EXPECT_EQ(ro.controller.clock_step_bound_ns, 20'000'000);
  EXPECT_EQ(ro.agent_args, (std::vector<std::string>{"--max-rate", "1Gbit/s", "--max-duration", "10s", "--log-level", "error"}));
  EXPECT_TRUE(ro.stop_on_error);
  s.log_level = "warn";  // leave the process's log level as the other tests expect
  resolveRunOptions(s, 2, kCli);
}

TEST(RunnerSettings, HostLinesAndOtherLaunchersControllerAddress) {
  RunSettings s;
  s.launcher = "ssh";
  s.host_lines = {"node01 slots=2 rack=a", "node02"};
  const RunOptions ro = resolveRunOptions(s, 2, kPy);
  ASSERT_EQ(ro.hosts.size(), 2u);
  EXPECT_EQ(ro.hosts[0].slots, 2);
  EXPECT_EQ(ro.hosts[0].labels.at("rack"), "a");
  EXPECT_EQ(ro.controller_address, hostName()) << "not loopback: the agents run elsewhere";
}

TEST(RunnerSettings, AFabricMeansTheEmulatedLauncherAndItsManagementAddress) {
  testing::TempDir dir("run-settings");
  ::setenv("FABCHECK_FABRIC_DIR", dir.path().c_str(), 1);  // no fabric is up here
  RunSettings s;
  s.fabric = "name=rs,hosts=3";
  for (OptionStyle style : {kCli, kPy}) {
    const RunOptions ro = resolveRunOptions(s, 2, style);
    EXPECT_EQ(ro.launcher, "emulated");
    EXPECT_EQ(ro.launcher_options.at("fabric"), "name=rs,hosts=3");
    EXPECT_EQ(ro.hosts.size(), 3u) << "the fabric's hosts";
    EXPECT_EQ(ro.controller_address, "0.0.0.0") << "the fabric is not up yet: launch() fills in its address";
  }
  ::unsetenv("FABCHECK_FABRIC_DIR");
}

TEST(RunnerSettings, ErrorsNameTheOptionAndTheValueAsTheCallerSpellsThem) {
  RunSettings s;
  s.agents = 5000;
  EXPECT_EQ(errorIn(s, kCli), "--agents 5000: expected 1 to 4096");
  EXPECT_EQ(errorIn(s, kPy), "agents=5000: expected 1 to 4096");
  s.agents = 0;
  EXPECT_EQ(errorIn(s, kCli), "--agents 0: expected 1 to 4096");
  s.host_lines = {"node01"};
  s.agents = 2;
  EXPECT_EQ(errorIn(s, kCli), "--agents 2: give either --hosts (slots per host) or --agents, not both");
  EXPECT_EQ(errorIn(s, kPy), "agents=2: give either hosts (slots per host) or agents, not both");

  s = RunSettings{};
  s.launcher = "ssh";
  EXPECT_EQ(errorIn(s, kCli), "--hosts is required with the ssh launcher");
  EXPECT_EQ(errorIn(s, kPy), "hosts is required with the ssh launcher");
  s.fabric = "hosts=2";
  EXPECT_EQ(errorIn(s, kCli), "--fabric: an emulated fabric runs with --launcher emulated, not --launcher ssh");
  EXPECT_EQ(errorIn(s, kPy), "fabric: an emulated fabric runs with launcher='emulated', not launcher='ssh'");
  s = RunSettings{};
  s.launcher = "pbs";
  EXPECT_EQ(errorIn(s, kPy), "launcher 'pbs' is unknown; expected one of: local, ssh, mpirun, slurm, emulated");
}

TEST(RunnerSettings, TextValuesAreCheckedUnderTheirOptionNames) {
  const std::string duration = "expected a duration like 10s, 500ms, 100us, 250ns, 2m, 1h";
  struct Case {
    std::string RunSettings::*field;
    std::string value, cli, python;
  };
  const Case cases[] = {
      {&RunSettings::step_timeout, "soon", "--step-timeout 'soon': " + duration, "step_timeout 'soon': " + duration},
      {&RunSettings::register_timeout, "0s", "--register-timeout '0s': must be longer than 0",
       "register_timeout '0s': must be longer than 0"},
      {&RunSettings::clock_step_bound, "0s", "--clock-step-bound '0s': must be longer than 0",
       "clock_step_bound '0s': must be longer than 0"},
      {&RunSettings::max_duration, "later", "--max-duration 'later': " + duration, "max_duration 'later': " + duration},
      {&RunSettings::max_rate, "fast", "--max-rate 'fast': expected a rate like 10G, 10Gbit/s, 100Mb/s, 1.25GB/s, 1Mpps",
       "max_rate 'fast': expected a rate like 10G, 10Gbit/s, 100Mb/s, 1.25GB/s, 1Mpps"},
      {&RunSettings::log_level, "loud", "--log-level loud: expected one of trace, debug, info, warn, error, off",
       "log_level='loud': expected one of trace, debug, info, warn, error, off"},
  };
  for (const Case& c : cases) {
    RunSettings s;
    s.*c.field = c.value;
    EXPECT_EQ(errorIn(s, kCli), c.cli);
    EXPECT_EQ(errorIn(s, kPy), c.python);
  }
}

TEST(RunnerSettings, TextSettingsAreTheStringFieldsByKey) {
  RunSettings s;
  for (const auto& [key, field] : textSettings()) s.*field = key;
  EXPECT_EQ(s.controller_address, "controller_address");
  EXPECT_EQ(s.register_timeout, "register_timeout");
  EXPECT_EQ(s.clock_step_bound, "clock_step_bound");
  EXPECT_EQ(optionName(kCli, "controller_address"), "--controller-address");
  EXPECT_EQ(optionName(kPy, "controller_address"), "controller_address");
}

TEST(RunnerSettings, ASuiteRunGetsTheSuitesAgentsAndOnlyKnownTests) {
  const suite::Suite suite = twoTests();
  RunSettings s;
  s.tests = {"ping"};
  const SuiteRunOptions o = resolveSuiteRun(s, suite, kCli);
  EXPECT_EQ(o.run.agents, suite.agentsWanted());
  EXPECT_EQ(o.run.agents, 5) << "the incast asks for 4 senders and a receiver";
  EXPECT_EQ(o.only_tests, std::vector<std::string>{"ping"});

  s.tests = {"nope"};
  EXPECT_EQ(errorOf<ConfigError>([&] { resolveSuiteRun(s, suite, kCli); }),
            "--test 'nope': the suite has no test of that name");
  s.tests = {};
  s.agents = 3;
  EXPECT_NE(errorOf<ConfigError>([&] { resolveSuiteRun(s, suite, kCli); }).find("fan"), std::string::npos)
      << "a test needing more agents than given is named before anything starts";
}

}  // namespace
}  // namespace fabcheck
