// The ssh launcher against a real OpenSSH server on 127.0.0.1 (tests/integration/sshd_fixture.h).
// The "agent" is a shell script in the test's temp dir that records its argv, environment and PID.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include "generators/core/version.h"
#include "harness/launch/ssh_launcher.h"
#include "tests/integration/launcher_test_helpers.h"
#include "tests/integration/ssh_agents_fixture.h"
#include "tests/integration/sshd_fixture.h"
#include "tests/support/ports.h"

namespace fabcheck::launch {
namespace {
using fabcheck::testing::alive;
using fabcheck::testing::eventually;
using fabcheck::testing::slurp;

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using fabcheck::testing::Sshd;

class SshLauncherTest : public fabcheck::testing::SshAgentsTest {
 protected:
  std::map<std::string, std::string> options() { return {{"ssh_config", sshd_->clientConfig()}}; }

  LaunchSpec spec(const std::string& binary, const std::string& host, int slots) {
    return fabcheck::testing::fakeAgentSpec(binary, {{host, slots, {}}}, secret_, 30'000'000'000);
  }

  std::string launchError(const LaunchSpec& s, const std::map<std::string, std::string>& opts) {
    return fabcheck::testing::errorOf<LaunchError>([&] { createLauncher("ssh", opts)->launch(s); });
  }

};

TEST_F(SshLauncherTest, TwoAgentsGetTheirIdsAndTheSecretOnlyThroughTheEnvironment) {
  const std::string bin = agentScript("exec sleep 300\n");
  auto launcher = createLauncher("ssh", options());
  launcher->launch(spec(bin, Sshd::kAlias, 2));
  ASSERT_TRUE(eventually([&] { return agentPid(0) > 0 && agentPid(1) > 0; })) << "agents did not start";
  for (int id : {0, 1}) {
    fabcheck::testing::expectFakeAgentGot(work_, id, "agent\n--controller\n127.0.0.1:7000\n--agent-id\n" + std::to_string(id) + "\n",
                                          secret_);
    EXPECT_TRUE(alive(agentPid(id)));
  }
  const auto cmdlines = fabcheck::testing::allCmdlines();
  fabcheck::testing::expectSecretOnNoCommandLine(cmdlines, secret_);
  EXPECT_GE(fabcheck::testing::countContaining(cmdlines, bin), 4) << "expected the 2 local ssh and 2 remote shells naming " << bin;
  EXPECT_TRUE(launcher->exited().empty());

  launcher->stop(1'000'000'000);
  EXPECT_TRUE(eventually([&] { return !alive(agentPid(0)) && !alive(agentPid(1)); }, 3s)) << "remote agents survived";
  const auto exits = launcher->exited();
  ASSERT_EQ(exits.size(), 2u);
  for (const auto& x : exits) {
    EXPECT_EQ(x.host, Sshd::kAlias);
    EXPECT_EQ(x.signal, SIGTERM) << "exit " << x.exit_code << ": " << x.stderr_tail;
  }
}

TEST_F(SshLauncherTest, StopKillsARemoteAgentThatIgnoresSigterm) {
  const std::string bin = agentScript("trap '' TERM\nwhile :; do sleep 1; done\n");
  auto launcher = createLauncher("ssh", options());
  launcher->launch(spec(bin, Sshd::kAlias, 1));
  ASSERT_TRUE(eventually([&] { return agentPid(0) > 0; }));
  launcher->stop(1'000'000'000);
  EXPECT_TRUE(eventually([&] { return !alive(agentPid(0)); }, 3s)) << "remote agent survived";
  const auto exits = launcher->exited();
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].signal, SIGKILL) << "exit " << exits[0].exit_code << ": " << exits[0].stderr_tail;
}

TEST_F(SshLauncherTest, AnAgentThatExitsIsReportedWithCodeAndStderr) {
  const std::string bin = agentScript("echo \"agent $id: controller unreachable\" >&2\nexit 3\n");
  auto launcher = createLauncher("ssh", options());
  launcher->launch(spec(bin, Sshd::kAlias, 1));
  std::vector<AgentExit> exits;
  ASSERT_TRUE(eventually([&] { return !(exits = launcher->exited()).empty(); }));
  EXPECT_EQ(exits[0].agent_id, 0);
  EXPECT_EQ(exits[0].host, Sshd::kAlias);
  EXPECT_EQ(exits[0].exit_code, 3);
  EXPECT_EQ(exits[0].signal, 0);
  EXPECT_NE(exits[0].stderr_tail.find("agent 0: controller unreachable"), std::string::npos) << exits[0].stderr_tail;
  EXPECT_EQ(exits[0].stderr_tail.find(kStartedLine), std::string::npos) << "the marker is not agent output";
}

TEST_F(SshLauncherTest, UnresolvableHostIsALaunchErrorNamingIt) {
  const std::string err = launchError(spec(agentScript(""), fabcheck::testing::kUnresolvableHost, 1), options());
  EXPECT_EQ(err.rfind("ssh to " + std::string(fabcheck::testing::kUnresolvableHost) + ": ", 0), 0u) << err;
  EXPECT_NE(err.find("Could not resolve hostname"), std::string::npos) << err;
}

TEST_F(SshLauncherTest, RefusedKeyIsALaunchErrorNamingTheHost) {
  const std::string err = launchError(spec(agentScript(""), Sshd::kBadKeyAlias, 2), options());
  EXPECT_EQ(err.rfind(std::string("ssh to ") + Sshd::kBadKeyAlias + ": ", 0), 0u) << err;
  EXPECT_NE(err.find("Permission denied"), std::string::npos) << err;
}

TEST_F(SshLauncherTest, MissingRemoteBinaryIsALaunchError) {
  const std::string err = launchError(spec(work_ + "/nope/fabcheck", Sshd::kAlias, 1), options());
  EXPECT_NE(err.find(std::string("ssh to ") + Sshd::kAlias), std::string::npos) << err;
  EXPECT_NE(err.find(work_ + "/nope/fabcheck is not an executable"), std::string::npos) << err;
}

TEST_F(SshLauncherTest, DeployCopiesTheBinaryWhenMissingAndSkipsWhenCurrent) {
  SshOptions o = parseSshOptions(options());
  o.local_binary = FABCHECK_BIN;
  const std::string remote = work_ + "/remote/bin/fabcheck";
  ASSERT_FALSE(fs::exists(remote));
  EXPECT_TRUE(deployBinary(o, Sshd::kAlias, remote, 60'000'000'000));
  const auto r = fabcheck::testing::run({remote, "version"}, 20s);
  EXPECT_EQ(r.out, std::string("fabcheck ") + kVersion + "\n");
  EXPECT_EQ(fs::file_size(remote), fs::file_size(FABCHECK_BIN));
  EXPECT_FALSE(deployBinary(o, Sshd::kAlias, remote, 60'000'000'000)) << "same version: no copy";
  for (const auto& e : fs::directory_iterator(work_ + "/remote/bin")) {
    EXPECT_EQ(e.path().filename(), "fabcheck") << "a temp file was left behind";
  }

  o.local_binary = work_ + "/no-such-local-binary";
  try {
    deployBinary(o, Sshd::kAlias, work_ + "/remote/other/fabcheck", 60'000'000'000);
    ADD_FAILURE() << "expected LaunchError";
  } catch (const LaunchError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(std::string("deploy to ") + Sshd::kAlias + ": ", 0), 0u) << e.what();
  }
}

TEST_F(SshLauncherTest, DeployOptionRunsBeforeLaunching) {
  auto opts = options();
  opts["deploy"] = "1";
  opts["local_binary"] = FABCHECK_BIN;
  const std::string remote = work_ + "/remote2/fabcheck";
  auto launcher = createLauncher("ssh", opts);
  launcher->launch(spec(remote, Sshd::kAlias, 1));
  EXPECT_EQ(fabcheck::testing::run({remote, "version"}, 20s).out, std::string("fabcheck ") + kVersion + "\n");
  launcher->stop(1'000'000'000);
  EXPECT_EQ(launchError(spec(remote, Sshd::kBadKeyAlias, 1), opts).rfind(std::string("ssh to ") + Sshd::kBadKeyAlias, 0),
            0u);
}

}  // namespace
}  // namespace fabcheck::launch
