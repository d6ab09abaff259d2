// fabcheck::Runner end to end over the ssh launcher: a real sshd on 127.0.0.1, real
// `fabcheck agent` processes started through it, connecting back to the controller with the
// per-run secret they received on ssh's standard input.
#include <gtest/gtest.h>

#include "harness/runner/run_settings.h"
#include "harness/runner/runner.h"
#include "harness/suite/suite_loader.h"
#include "tests/integration/runner_helpers.h"
#include "tests/integration/sshd_fixture.h"
#include "tests/support/test_helpers.h"

namespace fabcheck {
namespace {

TEST(RunnerOverSsh, RingOfThreeAgentsOnAnSshHost) {
  if (const std::string why = testing::sshdUnavailableReason(); !why.empty()) GTEST_SKIP() << why;
  testing::Sshd sshd;
  ASSERT_TRUE(sshd.ok()) << sshd.log();

  const RunOptions o = testing::launcherRun("ssh", {launch::HostEntry{testing::Sshd::kAlias, 3, {{"rack", "a"}}}},
                                            {{"ssh_config", sshd.clientConfig()}});
  const RunResult r = Runner(o).run({testing::streamTest("ring over ssh", patterns::Placement::kRing, 20e6)});
  testing::expectRingDelivered(r, 3);
}

// A suite with `min_agents` run as `fabcheck run` runs it (RunSettings → resolveSuiteRun →
// runSuite) over the ssh launcher on these hosts-file lines.
SuiteRunResult runSuiteOverSsh(const testing::Sshd& sshd, const std::string& min_agents,
                               std::vector<std::string> host_lines) {
  const suite::Suite s = suite::parseSuite("name: drop\nmin_agents: " + min_agents +
                                               "\ndefaults: {duration: 200ms, rate: 10Mbit/s}\ntests:\n"
                                               "  - {name: all, pattern: stream, slos: ['loss_ratio == 0']}\n",
                                           "drop.yaml");
  RunSettings settings;
  settings.launcher = "ssh";
  settings.host_lines = std::move(host_lines);
  settings.launcher_options = {{"ssh_config", sshd.clientConfig()}};
  settings.binary = testing::kFabcheckBin;
  settings.controller_address = "127.0.0.1";
  settings.register_timeout = "30s";
  settings.step_timeout = "10s";
  return runSuite(s, resolveSuiteRun(settings, s, OptionStyle::kCommandLine), {});
}

TEST(RunnerOverSsh, MinAgentsLetsTheRunGoOnWithoutAFailedHostAndTheReportNamesIt) {
  if (const std::string why = testing::sshdUnavailableReason(); !why.empty()) GTEST_SKIP() << why;
  testing::Sshd sshd;
  ASSERT_TRUE(sshd.ok()) << sshd.log();
  const std::string bad = testing::Sshd::kBadKeyAlias;
  const SuiteRunResult r = runSuiteOverSsh(sshd, "2", {std::string(testing::Sshd::kAlias) + " slots=2", bad});

  EXPECT_EQ(r.exit_code, 0) << r.run_error;
  ASSERT_EQ(r.tests.size(), 1u);
  EXPECT_EQ(r.tests[0].at("verdict"), "pass") << r.tests[0].dump();
  EXPECT_EQ(r.tests[0].at("participants"), nlohmann::json({0, 1})) << "the test ran on the agents that came";
  const auto& dropped = r.end.at("dropped_agents");
  ASSERT_EQ(dropped.size(), 1u) << r.end.dump();
  EXPECT_EQ(dropped[0].at("id"), 2);
  EXPECT_EQ(dropped[0].at("host"), bad);
  const std::string reason = dropped[0].at("reason");
  EXPECT_NE(reason.find("ssh to " + bad + ": "), std::string::npos) << reason;
  EXPECT_NE(reason.find("Permission denied"), std::string::npos) << reason;
  ASSERT_EQ(r.agents.size(), 3u);
  EXPECT_EQ(r.agents[2].at("dropped"), true);
  EXPECT_EQ(r.agents[2].at("lost"), true);
  EXPECT_EQ(r.agents[2].at("host"), bad);
  EXPECT_EQ(r.agents[0].at("dropped"), false);
  EXPECT_EQ(r.end.at("controller").at("agents"), 2);
}

TEST(RunnerOverSsh, BelowMinAgentsTheRunFailsWithOneLineNamingTheHost) {
  if (const std::string why = testing::sshdUnavailableReason(); !why.empty()) GTEST_SKIP() << why;
  testing::Sshd sshd;
  ASSERT_TRUE(sshd.ok()) << sshd.log();
  const std::string bad = testing::Sshd::kBadKeyAlias;
  const SuiteRunResult r = runSuiteOverSsh(sshd, "2", {testing::Sshd::kAlias, bad + " slots=2"});

  EXPECT_EQ(r.exit_code, 3);
  for (const auto& t : r.tests) EXPECT_EQ(t.value("verdict", ""), "skipped") << t.dump();  // none ran (issue 19: listed)
  EXPECT_EQ(r.run_error.find('\n'), std::string::npos) << r.run_error;
  EXPECT_EQ(r.run_error.rfind("too few agents: 1 of 3 can register, min_agents is 2: agent 1 on " + bad, 0), 0u)
      << r.run_error;
  EXPECT_NE(r.run_error.find("agent 2 on " + bad), std::string::npos) << r.run_error;
  EXPECT_NE(r.run_error.find("Permission denied"), std::string::npos) << r.run_error;
}

TEST(RunnerOverSsh, MinAgentsAboveTheAgentCountIsAConfigError) {
  const suite::Suite s = suite::parseSuite("name: m\nmin_agents: 5\ntests:\n  - {name: a, pattern: stream}\n", "m.yaml");
  RunSettings settings;
  settings.agents = 3;
  EXPECT_EQ(testing::errorOf<ConfigError>([&] { resolveSuiteRun(settings, s, OptionStyle::kCommandLine); }),
            "m.yaml:2:13: min_agents 5 is more than the run's 3 agents; expected at most 3");
}

}  // namespace
}  // namespace fabcheck
