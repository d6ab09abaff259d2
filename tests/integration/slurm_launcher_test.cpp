// The slurm launcher against a REAL single-node Slurm cluster (tests/integration/slurm_fixture.h),
// started once for the whole suite. The first test runs the real fabcheck agents through
// fabcheck::Runner; the others use a shell script as the "agent" that records its argv,
// environment and PID, so the tests can check what srun gave it and whether it still runs.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <regex>
#include <set>

#include "harness/launch/slurm_launcher.h"
#include "harness/runner/runner.h"
#include "tests/integration/launcher_test_helpers.h"
#include "tests/integration/runner_helpers.h"
#include "tests/integration/slurm_fixture.h"

namespace fabcheck::launch {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using fabcheck::testing::alive;
using fabcheck::testing::eventually;
using fabcheck::testing::SlurmCluster;
using fabcheck::testing::slurp;

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    ::setenv(name_.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

class SlurmLauncherTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (fabcheck::testing::slurmUnavailableReason().empty()) cluster_ = std::make_unique<SlurmCluster>();
  }
  static void TearDownTestSuite() { cluster_.reset(); }

  void SetUp() override {
    if (const std::string why = fabcheck::testing::slurmUnavailableReason(); !why.empty()) GTEST_SKIP() << why;
    ASSERT_TRUE(cluster_ && cluster_->ok()) << (cluster_ ? cluster_->logs() : std::string());
    work_ = cluster_->dir() + "/" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(work_);
  }
  void TearDown() override {
    if (HasFailure() && cluster_) std::cerr << "Slurm logs:\n" << cluster_->logs();
  }

  // An agent stand-in (writeFakeAgent) with $id its SLURM_PROCID; it also records its
  // SLURM_JOB_ID in <work>/job.<id>.
  std::string agentScript(const std::string& body) {
    return fabcheck::testing::writeFakeAgent(work_, "id=$SLURM_PROCID", body,
                                             "printf '%s\\n' \"$SLURM_JOB_ID\" > \"$d/job.$id\"\n");
  }
  pid_t agentPid(int id) { return fabcheck::testing::fakeAgentPid(work_, id); }

  LaunchSpec spec(const std::string& binary, std::vector<HostEntry> hosts) {
    return fabcheck::testing::fakeAgentSpec(binary, std::move(hosts), secret_, 30'000'000'000);
  }
  std::vector<HostEntry> node(int slots) { return {HostEntry{cluster_->node(), slots, {}}}; }

  static std::map<std::string, std::string> allocate(std::map<std::string, std::string> more = {}) {
    more.emplace("slurm_mode", "allocate");
    return more;
  }

  std::string launchError(const std::map<std::string, std::string>& options, const LaunchSpec& s) {
    return fabcheck::testing::errorOf<LaunchError>([&] { createLauncher("slurm", options)->launch(s); });
  }

  static std::unique_ptr<SlurmCluster> cluster_;
  std::string work_;
  std::string secret_ = fabcheck::testing::randomSecret();
};

std::unique_ptr<SlurmCluster> SlurmLauncherTest::cluster_;

TEST_F(SlurmLauncherTest, RunnerRingOfThreeRealAgentsInOneSrun) {
  const RunOptions o = fabcheck::testing::launcherRun(
      "slurm", node(3), allocate({{"slurm_per", "task"}, {"slurm_partition", SlurmCluster::kPartition}, {"slurm_time_limit", "5"}}));
  const RunResult r = Runner(o).run({fabcheck::testing::streamTest("ring over slurm", patterns::Placement::kRing, 20e6)});
  ASSERT_NO_FATAL_FAILURE(fabcheck::testing::expectRingDelivered(r, 3));
  std::set<int> ids;
  for (const auto& a : r.agents) {
    EXPECT_EQ(a.host.substr(0, a.host.find('.')), cluster_->node());
    ids.insert(a.id);
  }
  EXPECT_EQ(ids, (std::set<int>{0, 1, 2})) << "each agent read its own id from SLURM_PROCID";
  EXPECT_TRUE(eventually([&] { return cluster_->strays().empty(); }, 10s)) << "agents or steps left after the run";
}

TEST_F(SlurmLauncherTest, AgentsGetIdsFromSlurmProcidAndTheSecretOnlyThroughTheEnvironment) {
  const std::string bin = agentScript("exec sleep 300\n");
  auto launcher = createLauncher("slurm", allocate({{"slurm_per", "task"}}));
  launcher->launch(spec(bin, node(3)));
  ASSERT_TRUE(eventually([&] { return agentPid(0) > 0 && agentPid(1) > 0 && agentPid(2) > 0; }, 20s))
      << "agents did not start";
  for (int id : {0, 1, 2}) {
    fabcheck::testing::expectFakeAgentGot(work_, id, "agent\n--controller\n127.0.0.1:7000\n--agent-id-env\nSLURM_PROCID\n",
                                          secret_);
    EXPECT_TRUE(alive(agentPid(id)));
  }
  const std::string job = slurp(work_ + "/job.0");
  EXPECT_EQ(slurp(work_ + "/job.1"), job) << "one job for all agents";
  const std::string step = dynamic_cast<SlurmLauncher&>(*launcher).stepId();
  EXPECT_EQ(step, job.substr(0, job.size() - 1) + ".0") << "one step, the first of the job srun allocated";
  const auto cmdlines = fabcheck::testing::allCmdlines();
  fabcheck::testing::expectSecretOnNoCommandLine(cmdlines, secret_);
  int srun = 0;
  for (const auto& c : cmdlines) srun += c.rfind("srun ", 0) == 0 && c.find(bin) != std::string::npos;
  EXPECT_GE(srun, 1) << "the srun that runs the agents";
  EXPECT_TRUE(launcher->exited().empty());

  launcher->stop(1'000'000'000);
  EXPECT_TRUE(eventually([&] { return !alive(agentPid(0)) && !alive(agentPid(1)) && !alive(agentPid(2)); }, 3s))
      << "agents survived stop()";
  const auto exits = launcher->exited();
  ASSERT_EQ(exits.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(exits[i].agent_id, i);
    EXPECT_EQ(exits[i].host, cluster_->node());
    EXPECT_EQ(exits[i].signal, SIGTERM) << "exit " << exits[i].exit_code << ": " << exits[i].stderr_tail;
  }
}

TEST_F(SlurmLauncherTest, StopKillsAnAgentThatIgnoresSigterm) {
  const std::string bin = agentScript("trap 'echo term > \"$d/term.$id\"' TERM\nwhile :; do sleep 0.1; done\n");
  auto launcher = createLauncher("slurm", allocate());
  launcher->launch(spec(bin, node(1)));
  ASSERT_TRUE(eventually([&] { return agentPid(0) > 0; }, 20s));
  launcher->stop(1'000'000'000);
  EXPECT_TRUE(eventually([&] { return !alive(agentPid(0)); }, 3s)) << "agent survived stop()";
  EXPECT_EQ(slurp(work_ + "/term.0"), "term\n") << "the agent got SIGTERM before it was killed";
  const auto exits = launcher->exited();
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].signal, SIGKILL) << "exit " << exits[0].exit_code << ": " << exits[0].stderr_tail;
  launcher->stop();  // idempotent
}

TEST_F(SlurmLauncherTest, AnAgentThatExitsIsReportedWithItsHostCodeAndOwnStderr) {
  const std::string bin = agentScript(
      "if [ \"$id\" = 1 ]; then echo \"agent $id: controller unreachable\" >&2; exit 3; fi\n"
      "echo \"agent $id: waiting\" >&2\nexec sleep 300\n");
  auto launcher = createLauncher("slurm", allocate({{"slurm_per", "task"}}));
  launcher->launch(spec(bin, node(3)));
  ASSERT_TRUE(eventually([&] { return !launcher->exited().empty(); }, 20s)) << "the exit of agent 1 was not reported";
  auto exits = launcher->exited();
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].agent_id, 1);
  EXPECT_EQ(exits[0].host, cluster_->node());
  EXPECT_EQ(exits[0].exit_code, 3);
  EXPECT_EQ(exits[0].signal, 0);
  EXPECT_NE(exits[0].stderr_tail.find("agent 1: controller unreachable"), std::string::npos) << exits[0].stderr_tail;
  EXPECT_EQ(exits[0].stderr_tail.find("agent 0"), std::string::npos) << "only its own lines: " << exits[0].stderr_tail;

  launcher->stop(1'000'000'000);
  exits = launcher->exited();
  ASSERT_EQ(exits.size(), 3u);
  EXPECT_EQ(exits[1].exit_code, 3);
  for (int i : {0, 2}) EXPECT_EQ(exits[i].signal, SIGTERM) << exits[i].stderr_tail;
}

TEST_F(SlurmLauncherTest, WhatSrunRefusesIsALaunchErrorNamingIt) {
  const std::string bin = agentScript("exec sleep 300\n");
  std::string e = launchError(allocate({{"slurm_partition", "nosuch"}}), spec(bin, node(1)));
  EXPECT_EQ(e.rfind("slurm launcher: srun failed: ", 0), 0u) << e;
  EXPECT_NE(e.find("Invalid partition name specified"), std::string::npos) << e;

  e = launchError(allocate(), spec(bin, {HostEntry{"fabtest-nosuchnode", 1, {}}}));
  EXPECT_NE(e.find("srun failed: "), std::string::npos) << e;
  EXPECT_NE(e.find("Invalid node name specified"), std::string::npos) << e;

  e = launchError(allocate({{"srun_options", "--no-such-srun-option"}}), spec(bin, node(1)));
  EXPECT_NE(e.find("srun failed: srun: unrecognized option '--no-such-srun-option'"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(work_ + "/pid.0")) << "no agent ran";
}

TEST_F(SlurmLauncherTest, AStepThatCannotStartInTimeIsALaunchErrorAndItsJobIsWithdrawn) {
  const std::string bin = agentScript("exec sleep 300\n");
  LaunchSpec s = spec(bin, {HostEntry{kSlurmAnyNode, 2, {}}});  // two nodes, on a one-node cluster
  s.start_timeout_ns = 2'000'000'000;
  const std::string e = launchError(allocate(), s);
  EXPECT_EQ(e.rfind("slurm launcher: srun did not launch the agents within 2000 ms", 0), 0u) << e;
  EXPECT_NE(e.find("queued"), std::string::npos) << "srun's last line says why: " << e;
  EXPECT_TRUE(eventually(
      [] {
        const auto r = fabcheck::testing::run({"/usr/bin/squeue", "-h", "-t", "PENDING,RUNNING", "-o", "%i"}, 5s);
        return r.status.code == 0 && r.out.empty();
      },
      10s))
      << "the pending job stayed in the queue";
}

TEST_F(SlurmLauncherTest, SrunModeRunsAStepInsideTheAllocationThisProcessIsIn) {
  const auto salloc = fabcheck::testing::run(
      {"/usr/bin/salloc", "--no-shell", "-N1", "-n2", "-p", SlurmCluster::kPartition, "--job-name=fabtest-alloc"}, 20s);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(salloc.err, m, std::regex("Granted job allocation (\\d+)"))) << salloc.err;
  const std::string job = m[1];
  {
    ScopedEnv job_id("SLURM_JOB_ID", job);
    ScopedEnv nodelist("SLURM_JOB_NODELIST", cluster_->node());
    const auto hosts = slurmHostsFromEnvironment();
    ASSERT_EQ(hosts.size(), 1u);
    EXPECT_EQ(hosts[0].name, cluster_->node());
    EXPECT_EQ(hosts[0].slots, 1);

    EXPECT_NE(launchError(allocate(), spec("/bin/true", hosts)).find("expected slurm_mode=srun here"), std::string::npos);

    const std::string bin = agentScript("exec sleep 300\n");
    auto launcher = createLauncher("slurm", {});
    launcher->launch(spec(bin, hosts));
    ASSERT_TRUE(eventually([&] { return agentPid(0) > 0; }, 20s));
    EXPECT_EQ(slurp(work_ + "/job.0"), job + "\n") << "the agent runs in our allocation";
    EXPECT_EQ(dynamic_cast<SlurmLauncher&>(*launcher).stepId().rfind(job + ".", 0), 0u);
    launcher->stop(1'000'000'000);
    EXPECT_TRUE(eventually([&] { return !alive(agentPid(0)); }, 3s));
  }
  fabcheck::testing::run({"/usr/bin/scancel", job}, 10s);
}

}  // namespace
}  // namespace fabcheck::launch
