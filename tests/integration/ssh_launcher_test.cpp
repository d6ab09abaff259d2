// The ssh launcher against a real OpenSSH server on 127.0.0.1 (tests/integration/sshd_fixture.h).
// The "agent" is a shell script in the test's temp dir that records its argv, environment and PID.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

#include "generators/core/version.h"
#include "harness/launch/ssh_launcher.h"
#include "tests/integration/sshd_fixture.h"
#include "tests/support/ports.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::launch {
namespace {
using fabcheck::testing::eventually;
using fabcheck::testing::slurp;


namespace fs = std::filesystem;
using namespace std::chrono_literals;
using fabcheck::testing::Sshd;

bool alive(pid_t pid) {
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  const size_t rp = stat.rfind(')');
  return rp != std::string::npos && rp + 2 < stat.size() && stat[rp + 2] != 'Z';
}

// Command lines of every process on the host, NULs shown as spaces.
std::vector<std::string> allCmdlines() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string c = slurp(e.path().string() + "/cmdline");
    std::replace(c.begin(), c.end(), '\0', ' ');
    if (!c.empty()) out.push_back(c);
  }
  return out;
}

class SshLauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = fabcheck::testing::sshdUnavailableReason(); !why.empty()) GTEST_SKIP() << why;
    sshd_ = std::make_unique<Sshd>();
    ASSERT_TRUE(sshd_->ok());
    work_ = sshd_->dir() + "/work";
    fs::create_directories(work_);
  }
  void TearDown() override {
    if (HasFailure() && sshd_) std::cerr << "sshd log:\n" << sshd_->log();
  }

  // An agent stand-in: `body` runs after it recorded args/secret/pid under <work>/<kind>.<agent-id>.
  std::string agentScript(const std::string& body) {
    const std::string p = work_ + "/agent.sh";
    std::ofstream(p) << "#!/bin/sh\n"
                     << "for a in \"$@\"; do id=$a; done\n"
                     << "d=" << work_ << "\n"
                     << "printf '%s\\n' \"$@\" > \"$d/args.$id\"\n"
                     << "printf '%s\\n' \"$FABCHECK_RUN_SECRET\" > \"$d/secret.$id\"\n"
                     << "printf '%s\\n' \"$EXTRA\" > \"$d/extra.$id\"\n"
                     << "echo $$ > \"$d/pid.tmp.$id\" && mv \"$d/pid.tmp.$id\" \"$d/pid.$id\"\n"
                     << body;
    ::chmod(p.c_str(), 0755);
    return p;
  }
  pid_t agentPid(int id) { return static_cast<pid_t>(std::atoi(slurp(work_ + "/pid." + std::to_string(id)).c_str())); }

  std::map<std::string, std::string> options() { return {{"ssh_config", sshd_->clientConfig()}}; }

  LaunchSpec spec(const std::string& binary, const std::string& host, int slots) {
    LaunchSpec s;
    s.binary = binary;
    s.agent_args = {"--controller", "127.0.0.1:7000"};
    s.env = {{"FABCHECK_RUN_SECRET", secret_}, {"EXTRA", "a b 'c' $HOME"}};
    s.hosts = {{host, slots, {}}};
    s.start_timeout_ns = 30'000'000'000;
    return s;
  }

  std::string launchError(const LaunchSpec& s, std::map<std::string, std::string> opts) {
    auto launcher = createLauncher("ssh", opts);
    try {
      launcher->launch(s);
    } catch (const LaunchError& e) {
      return e.what();
    }
    return "(no error)";
  }

  std::unique_ptr<Sshd> sshd_;
  std::string work_;
  std::string secret_ = "fabsecret-" + std::to_string(std::random_device{}());
};

TEST_F(SshLauncherTest, TwoAgentsGetTheirIdsAndTheSecretOnlyThroughTheEnvironment) {
  const std::string bin = agentScript("exec sleep 300\n");
  auto launcher = createLauncher("ssh", options());
  launcher->launch(spec(bin, Sshd::kAlias, 2));
  ASSERT_TRUE(eventually([&] { return agentPid(0) > 0 && agentPid(1) > 0; })) << "agents did not start";
  for (int id : {0, 1}) {
    const std::string n = std::to_string(id);
    EXPECT_EQ(slurp(work_ + "/args." + n), "agent\n--controller\n127.0.0.1:7000\n--agent-id\n" + n + "\n");
    EXPECT_EQ(slurp(work_ + "/secret." + n), secret_ + "\n");
    EXPECT_EQ(slurp(work_ + "/extra." + n), "a b 'c' $HOME\n") << "values pass unexpanded";
    EXPECT_TRUE(alive(agentPid(id)));
  }
  int ours = 0;
  for (const auto& c : allCmdlines()) {
    EXPECT_EQ(c.find(secret_), std::string::npos) << "secret on a command line: " << c;
    if (c.find(bin) != std::string::npos) ++ours;
  }
  EXPECT_GE(ours, 4) << "expected the 2 local ssh and 2 remote shells naming " << bin;
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
