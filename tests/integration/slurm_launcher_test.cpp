// The slurm launcher against a REAL single-node Slurm cluster (tests/integration/slurm_fixture.h),
// started once for the whole suite. The first test runs the real fabcheck agents through
// fabcheck::Runner; the others use a shell script as the "agent" that records its argv,
// environment and PID, so the tests can check what srun gave it and whether it still runs.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <regex>
#include <set>

#include "harness/launch/slurm_launcher.h"
#include "harness/runner/runner.h"
#include "tests/integration/gen_server.h"
#include "tests/integration/slurm_fixture.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::launch {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using fabcheck::testing::eventually;
using fabcheck::testing::SlurmCluster;
using fabcheck::testing::slurp;

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

  // An agent stand-in: `body` runs after it recorded args/secret/job/pid under <work>/<kind>.<id>,
  // with $id its SLURM_PROCID and $d the work dir.
  std::string agentScript(const std::string& body) {
    const std::string p = work_ + "/agent.sh";
    std::ofstream(p) << "#!/bin/sh\n"
                     << "id=$SLURM_PROCID\n"
                     << "d=" << work_ << "\n"
                     << "printf '%s\\n' \"$@\" > \"$d/args.$id\"\n"
                     << "printf '%s\\n' \"$FABCHECK_RUN_SECRET\" > \"$d/secret.$id\"\n"
                     << "printf '%s\\n' \"$EXTRA\" > \"$d/extra.$id\"\n"
                     << "printf '%s\\n' \"$SLURM_JOB_ID\" > \"$d/job.$id\"\n"
                     << "echo $$ > \"$d/pid.tmp.$id\" && mv \"$d/pid.tmp.$id\" \"$d/pid.$id\"\n"
                     << body;
    ::chmod(p.c_str(), 0755);
    return p;
  }
  pid_t agentPid(int id) { return static_cast<pid_t>(std::atoi(slurp(work_ + "/pid." + std::to_string(id)).c_str())); }

  LaunchSpec spec(const std::string& binary, std::vector<HostEntry> hosts) {
    LaunchSpec s;
    s.binary = binary;
    s.agent_args = {"--controller", "127.0.0.1:7000"};
    s.env = {{"FABCHECK_RUN_SECRET", secret_}, {"EXTRA", "a b 'c' $HOME"}};
    s.hosts = std::move(hosts);
    s.start_timeout_ns = 30'000'000'000;
    return s;
  }
  std::vector<HostEntry> node(int slots) { return {HostEntry{cluster_->node(), slots, {}}}; }

  static std::map<std::string, std::string> allocate(std::map<std::string, std::string> more = {}) {
    more.emplace("slurm_mode", "allocate");
    return more;
  }

  std::string launchError(const std::map<std::string, std::string>& options, const LaunchSpec& s) {
    auto launcher = createLauncher("slurm", options);
    try {
      launcher->launch(s);
    } catch (const LaunchError& e) {
      return e.what();
    }
    return "(no error)";
  }

  static std::unique_ptr<SlurmCluster> cluster_;
  std::string work_;
  std::string secret_ = "fabsecret-" + std::to_string(std::random_device{}());
};

std::unique_ptr<SlurmCluster> SlurmLauncherTest::cluster_;

TEST_F(SlurmLauncherTest, RunnerRingOfThreeRealAgentsInOneSrun) {
  RunOptions o;
  o.launcher = "slurm";
  o.hosts = node(3);
  o.binary = fabcheck::testing::kFabcheckBin;
  o.launcher_options = allocate({{"slurm_per", "task"}, {"slurm_partition", SlurmCluster::kPartition}, {"slurm_time_limit", "5"}});
  o.controller.register_timeout_ns = 30'000'000'000;
  o.controller.step_timeout_ns = 10'000'000'000;

  controller::TestSpec ring;
  ring.name = "ring over slurm";
  ring.placement = plan::Placement::kRing;
  ring.params.kind = patterns::PatternKind::kStream;
  ring.params.size_bytes = 1200;
  ring.params.rate_bps = 20e6;
  ring.params.duration_ns = 300'000'000;

  RunResult r = Runner(o).run({ring});
  ASSERT_EQ(r.agents.size(), 3u);
  std::set<int> ids;
  for (const auto& a : r.agents) {
    EXPECT_FALSE(a.lost) << a.lost_reason;
    EXPECT_EQ(a.host.substr(0, a.host.find('.')), cluster_->node());
    ids.insert(a.id);
  }
  EXPECT_EQ(ids, (std::set<int>{0, 1, 2})) << "each agent read its own id from SLURM_PROCID";
  ASSERT_EQ(r.tests.size(), 1u);
  const auto& t = r.tests[0];
  EXPECT_EQ(t.error, "");
  ASSERT_EQ(t.senders.size(), 3u);
  ASSERT_EQ(t.receivers.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_GT(t.senders[i].packets, 0u);
    EXPECT_EQ(t.receivers[i].sequence.received, t.senders[i].packets) << "flow " << i;
  }
  EXPECT_TRUE(eventually([&] { return cluster_->strays().empty(); }, 10s)) << "agents or steps left after the run";
}

TEST_F(SlurmLauncherTest, AgentsGetIdsFromSlurmProcidAndTheSecretOnlyThroughTheEnvironment) {
  const std::string bin = agentScript("exec sleep 300\n");
  auto launcher = createLauncher("slurm", allocate({{"slurm_per", "task"}}));
  launcher->launch(spec(bin, node(3)));
  ASSERT_TRUE(eventually([&] { return agentPid(0) > 0 && agentPid(1) > 0 && agentPid(2) > 0; }, 20s))
      << "agents did not start";
  for (int id : {0, 1, 2}) {
    const std::string n = std::to_string(id);
    EXPECT_EQ(slurp(work_ + "/args." + n), "agent\n--controller\n127.0.0.1:7000\n--agent-id-env\nSLURM_PROCID\n");
    EXPECT_EQ(slurp(work_ + "/secret." + n), secret_ + "\n");
    EXPECT_EQ(slurp(work_ + "/extra." + n), "a b 'c' $HOME\n") << "values pass unexpanded";
    EXPECT_TRUE(alive(agentPid(id)));
  }
  const std::string job = slurp(work_ + "/job.0");
  EXPECT_EQ(slurp(work_ + "/job.1"), job) << "one job for all agents";
  const std::string step = dynamic_cast<SlurmLauncher&>(*launcher).stepId();
  EXPECT_EQ(step, job.substr(0, job.size() - 1) + ".0") << "one step, the first of the job srun allocated";
  int srun = 0;
  for (const auto& c : allCmdlines()) {
    EXPECT_EQ(c.find(secret_), std::string::npos) << "secret on a command line: " << c;
    if (c.rfind("srun ", 0) == 0 && c.find(bin) != std::string::npos) ++srun;
  }
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
