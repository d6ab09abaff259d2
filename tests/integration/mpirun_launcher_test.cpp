// The mpirun launcher with the real Open MPI mpirun, on this host only: a Runner run of real
// agents, and shell-script "agents" that record their argv, environment and PID per rank.
// Skips only when mpirun is not installed (scripts/install-deps.sh installs openmpi-bin).
#include "harness/launch/mpirun_launcher.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <set>

#include "harness/runner/runner.h"
#include "tests/integration/launcher_test_helpers.h"
#include "tests/integration/runner_helpers.h"

namespace fabcheck::launch {
namespace {
using fabcheck::testing::alive;
using fabcheck::testing::eventually;
using fabcheck::testing::parentOf;
using fabcheck::testing::slurp;
using namespace std::chrono_literals;

// "" when an executable `mpirun` is on PATH, else why the tests skip.
std::string mpirunUnavailableReason() {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "";
  size_t b = 0;
  while (b <= p.size()) {
    const size_t e = std::min(p.find(':', b), p.size());
    const std::string candidate = (e > b ? p.substr(b, e - b) : std::string(".")) + "/mpirun";
    if (::access(candidate.c_str(), X_OK) == 0) return "";
    b = e + 1;
  }
  return "mpirun (Open MPI) is not installed; scripts/install-deps.sh installs openmpi-bin";
}

class MpirunLauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = mpirunUnavailableReason(); !why.empty()) GTEST_SKIP() << why;
    tmp_ = std::make_unique<fabcheck::testing::TempDir>("fabcheck-mpirun");
    dir_ = tmp_->path();
  }
  void TearDown() override {
    launcher_.reset();  // stops every agent, also when the test failed
    tmp_.reset();
  }

  // An agent stand-in (writeFakeAgent) with $id its OMPI_COMM_WORLD_RANK.
  std::string agentScript(const std::string& body) {
    return fabcheck::testing::writeFakeAgent(dir_, "id=$OMPI_COMM_WORLD_RANK", body);
  }
  pid_t agentPid(int id) { return fabcheck::testing::fakeAgentPid(dir_, id); }
  bool allStarted(int n) {
    for (int i = 0; i < n; ++i) {
      if (agentPid(i) <= 0) return false;
    }
    return true;
  }

  LaunchSpec spec(const std::string& binary, std::vector<HostEntry> hosts) {
    return fabcheck::testing::fakeAgentSpec(binary, std::move(hosts), secret_, 20'000'000'000);
  }

  Launcher& launch(const LaunchSpec& s, const std::map<std::string, std::string>& opts = {}) {
    launcher_ = createLauncher("mpirun", opts);
    launcher_->launch(s);
    return *launcher_;
  }

  std::string launchError(const LaunchSpec& s, const std::map<std::string, std::string>& opts = {}) {
    return fabcheck::testing::errorOf<LaunchError>([&] { launch(s, opts); });
  }

  std::unique_ptr<fabcheck::testing::TempDir> tmp_;
  std::string dir_;
  std::unique_ptr<Launcher> launcher_;
  std::string secret_ = fabcheck::testing::randomSecret();
};

TEST_F(MpirunLauncherTest, RunnerRunsARingOfFourAgentsStartedByOneMpirun) {
  const RunOptions o = fabcheck::testing::launcherRun("mpirun", {HostEntry{"localhost", 4, {}}});
  const RunResult r = Runner(o).run({fabcheck::testing::streamTest("ring under mpirun", patterns::Placement::kRing, 20e6)});
  ASSERT_NO_FATAL_FAILURE(fabcheck::testing::expectRingDelivered(r, 4));
  std::set<int> ids, pids;
  for (const auto& a : r.agents) {
    ids.insert(a.id);
    pids.insert(a.pid);
  }
  EXPECT_EQ(ids, (std::set<int>{0, 1, 2, 3})) << "ids from OMPI_COMM_WORLD_RANK";
  EXPECT_EQ(pids.size(), 4u) << "four agent processes";
}

TEST_F(MpirunLauncherTest, TheSecretReachesAgentsOnlyThroughTheEnvironment) {
  const std::string bin = agentScript("exec sleep 300\n");
  Launcher& l = launch(spec(bin, {{"localhost", 2, {}}, {"localhost", 1, {}}}));  // merged: localhost:3
  ASSERT_TRUE(eventually([&] { return allStarted(3); })) << "agents did not start";
  const pid_t mpirun = parentOf(agentPid(0));
  ASSERT_GT(mpirun, 1);
  const std::string mpirun_cmd = fabcheck::testing::cmdlineOf(std::to_string(mpirun));
  EXPECT_NE(mpirun_cmd.find(" -x FABCHECK_RUN_SECRET "), std::string::npos) << mpirun_cmd;
  EXPECT_NE(mpirun_cmd.find(" -np 3 --host localhost:3 "), std::string::npos) << mpirun_cmd;
  for (int id = 0; id < 3; ++id) {
    fabcheck::testing::expectFakeAgentGot(
        dir_, id, "agent\n--controller\n127.0.0.1:7000\n--agent-id-env\nOMPI_COMM_WORLD_RANK\n", secret_);
    EXPECT_EQ(parentOf(agentPid(id)), mpirun) << "one mpirun started every agent";
    // Read until it holds the secret (bounded): the fake agent writes its pid file and then execs
    // `sleep`, and /proc/PID/environ reads empty while that exec replaces its memory.
    const std::string want = std::string("FABCHECK_RUN_SECRET=") + secret_ + '\0';
    std::string env;
    EXPECT_TRUE(eventually([&] {
      env = slurp("/proc/" + std::to_string(agentPid(id)) + "/environ");
      return env.find(want) != std::string::npos;
    })) << "agent " << id << "'s environment: " << env.size() << " bytes without the secret";
  }
  const auto cmdlines = fabcheck::testing::allCmdlines();
  fabcheck::testing::expectSecretOnNoCommandLine(cmdlines, secret_);
  EXPECT_GT(cmdlines.size(), 4u);
  EXPECT_TRUE(l.exited().empty());

  l.stop(1'000'000'000);
  for (int id = 0; id < 3; ++id) EXPECT_FALSE(alive(agentPid(id))) << "agent " << id << " survived stop()";
  const auto exits = l.exited();
  ASSERT_EQ(exits.size(), 3u);
  for (int id = 0; id < 3; ++id) {
    EXPECT_EQ(exits[static_cast<size_t>(id)].agent_id, id);
    EXPECT_EQ(exits[static_cast<size_t>(id)].host, "localhost");
  }
}

// stop() is bounded: grace + mpirun's kill window (5 s) + 2 s for its process group + 1 s.
constexpr auto kStopBound = 9s;

TEST_F(MpirunLauncherTest, StopEndsAgentsThatIgnoreSigterm) {
  const std::string bin = agentScript("trap '' TERM\nexec sleep 300\n");  // sleep inherits the ignored TERM
  Launcher& l = launch(spec(bin, {{"localhost", 2, {}}}));
  ASSERT_TRUE(eventually([&] { return allStarted(2); }));
  ::kill(agentPid(0), SIGTERM);
  ASSERT_TRUE(alive(agentPid(0))) << "the stand-in must ignore SIGTERM";
  const auto t0 = std::chrono::steady_clock::now();
  l.stop(500'000'000);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms + kStopBound);
  EXPECT_FALSE(alive(agentPid(0)));
  EXPECT_FALSE(alive(agentPid(1)));
  EXPECT_EQ(l.exited().size(), 2u);
}

TEST_F(MpirunLauncherTest, StopKillsAgentsLeftBehindWhenMpirunIsTooSlowToEndThem) {
  const std::string bin = agentScript("trap '' TERM\nexec sleep 300\n");
  // mpirun would wait 60 s between its SIGTERM and SIGKILL: stop() kills mpirun, then the agents.
  Launcher& l = launch(spec(bin, {{"localhost", 2, {}}}), {{"mpirun_options", "--mca odls_base_sigkill_timeout 60"}});
  ASSERT_TRUE(eventually([&] { return allStarted(2); }));
  const auto t0 = std::chrono::steady_clock::now();
  l.stop(0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, kStopBound);
  EXPECT_FALSE(alive(agentPid(0))) << "orphaned agent survived";
  EXPECT_FALSE(alive(agentPid(1))) << "orphaned agent survived";
  const auto exits = l.exited();
  ASSERT_EQ(exits.size(), 2u);
  EXPECT_EQ(exits[0].signal, SIGKILL) << "mpirun itself was killed: " << exits[0].exit_code;
}

TEST_F(MpirunLauncherTest, AfterMpirunDiesItsOrphanedAgentsAreReportedAndStopKillsThem) {
  const std::string bin = agentScript("trap '' TERM\nexec sleep 300\n");
  Launcher& l = launch(spec(bin, {{"localhost", 2, {}}}));
  ASSERT_TRUE(eventually([&] { return allStarted(2); }));
  const pid_t mpirun = parentOf(agentPid(0));
  ASSERT_GT(mpirun, 1);
  ASSERT_EQ(::kill(mpirun, SIGKILL), 0);  // the launcher's own child, found through the agent
  std::vector<AgentExit> exits;
  ASSERT_TRUE(eventually([&] { return !(exits = l.exited()).empty(); }));
  ASSERT_EQ(exits.size(), 2u);
  EXPECT_EQ(exits[0].signal, SIGKILL);
  EXPECT_TRUE(alive(agentPid(0))) << "Open MPI's agents outlive a killed mpirun (own process groups)";
  l.stop(0);
  EXPECT_FALSE(alive(agentPid(0)));
  EXPECT_FALSE(alive(agentPid(1)));
}

TEST_F(MpirunLauncherTest, AMissingBinaryIsALaunchErrorNamingIt) {
  const std::string missing = dir_ + "/nope/fabcheck";
  const std::string err = launchError(spec(missing, {{"localhost", 2, {}}}));
  EXPECT_EQ(err.rfind("mpirun launcher: mpirun ended with exit code 127", 0), 0u) << err;
  EXPECT_NE(err.find(missing + " is not an executable on "), std::string::npos) << err;
  EXPECT_NE(err.find("0 of 2 agents started"), std::string::npos) << err;
}

TEST_F(MpirunLauncherTest, AMissingMpirunOrABadOptionIsALaunchErrorNamingIt) {
  const std::string bin = agentScript("exec sleep 300\n");
  std::string err = launchError(spec(bin, {{"localhost", 1, {}}}), {{"mpirun", dir_ + "/no-mpirun"}});
  EXPECT_NE(err.find("cannot start '" + dir_ + "/no-mpirun': No such file or directory"), std::string::npos) << err;
  err = launchError(spec(bin, {{"localhost", 1, {}}}), {{"mpirun_options", "--no-such-mpirun-flag"}});
  EXPECT_NE(err.find("unknown option \"--no-such-mpirun-flag\""), std::string::npos) << err;
}

TEST_F(MpirunLauncherTest, AnMpirunThatNeverStartsTheAgentsIsATimeoutLaunchErrorAndIsStopped) {
  const std::string hung = dir_ + "/hung-mpirun";
  fabcheck::testing::writeScript(hung, "echo \"$$\" > " + dir_ + "/hung.pid\necho 'still resolving hosts' >&2\nexec sleep 300\n");
  LaunchSpec s = spec(agentScript(""), {{"localhost", 2, {}}});
  s.start_timeout_ns = 1'000'000'000;  // the fake prints its line at once; this only bounds the test
  const std::string err = launchError(s, {{"mpirun", hung}});
  EXPECT_EQ(err, "mpirun launcher: agents not started within 1000 ms on hosts localhost:2 (0 of 2 agents started); "
                 "mpirun said: still resolving hosts");
  const pid_t pid = static_cast<pid_t>(std::atoi(slurp(dir_ + "/hung.pid").c_str()));
  ASSERT_GT(pid, 0);
  EXPECT_FALSE(alive(pid)) << "the hung mpirun was left running";
}

TEST_F(MpirunLauncherTest, AnUnreachableHostIsALaunchErrorWithSshsWords) {
  // 127.0.0.2 is not an address of an interface here, so Open MPI starts its daemon there by ssh.
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(22);
  a.sin_addr.s_addr = htonl(0x7f000002);
  const bool sshd_there = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  if (sshd_there) GTEST_SKIP() << "something listens on 127.0.0.2:22; this test needs a refused connection";
  const std::string err = launchError(spec(agentScript("exec sleep 300\n"), {{"localhost", 1, {}}, {"127.0.0.2", 1, {}}}));
  EXPECT_EQ(err.rfind("mpirun launcher: mpirun ended with ", 0), 0u) << err;
  EXPECT_NE(err.find("127.0.0.2"), std::string::npos) << err;
  EXPECT_NE(err.find("Connection refused"), std::string::npos) << err;
  EXPECT_EQ(slurp(dir_ + "/pid.0"), "") << "no agent ran: Open MPI starts none when a daemon fails";
}

TEST_F(MpirunLauncherTest, AnAgentThatExitsIsReportedWithCodeAndStderr) {
  const std::string bin = agentScript("echo \"agent $id: controller unreachable\" >&2\nexit 3\n");
  Launcher& l = launch(spec(bin, {{"localhost", 2, {}}}));
  std::vector<AgentExit> exits;
  ASSERT_TRUE(eventually([&] { return !(exits = l.exited()).empty(); }));
  ASSERT_EQ(exits.size(), 2u) << "every agent is the one mpirun";
  for (int id = 0; id < 2; ++id) {
    const auto& x = exits[static_cast<size_t>(id)];
    EXPECT_EQ(x.agent_id, id);
    EXPECT_EQ(x.host, "localhost");
    EXPECT_EQ(x.exit_code, 3);
    EXPECT_EQ(x.signal, 0);
    EXPECT_NE(x.stderr_tail.find("controller unreachable"), std::string::npos) << x.stderr_tail;
    EXPECT_EQ(x.stderr_tail.find("fabcheck-launch:"), std::string::npos) << "launch markers are not agent output";
  }
}

}  // namespace
}  // namespace fabcheck::launch
