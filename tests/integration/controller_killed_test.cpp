// The controller SIGKILLed in the middle of a long test, on the launchers whose agents are not
// its children: ssh (a real sshd), slurm (a real single-node cluster) and mpirun (Open MPI). Every
// agent must exit as soon as its control connection closes (docs/security.md, "Faults"), and
// nothing the run started may stay behind: not the remote shells of the ssh sessions, not ssh
// itself (its connection master ends kPersistSeconds after its last session), not srun, its step
// daemons or mpirun. The local launcher's case is RunFaults in runner_faults_test.cpp.
//
// What belongs to a run is found by its command line: the run is given `--binary <dir>/fabcheck`
// (a symlink to the fabcheck under test) and TMPDIR=<dir> (where the ssh launcher keeps its
// connection sockets), so every process it started, here or through sshd, slurmd or mpirun,
// names <dir> in its command line; other tests' processes do not.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "harness/launch/ssh_control.h"
#include "tests/integration/gen_server.h"
#include "tests/integration/runner_helpers.h"
#include "tests/integration/slurm_fixture.h"
#include "tests/integration/sshd_fixture.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_helpers.h"

namespace fabcheck {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::eventually;
using testing::kFabcheckBin;
using testing::slurp;
using testing::Subprocess;
using testing::threadCount;

using testing::kAgentsGoneBound;
// What an agent's launch wrapper (remote shell, srun, mpirun) may take to end after its agent.
constexpr auto kWrappersGoneBound = 10s;

struct RunProcess {
  pid_t pid;
  std::string cmd;  // its command line, words joined by spaces
};

// Live processes (not zombies) other than this one whose command line contains `marker`.
std::vector<RunProcess> processesNaming(const std::string& marker) {
  std::vector<RunProcess> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stoi(name));
    if (pid == ::getpid()) continue;
    std::string cmd = slurp(e.path().string() + "/cmdline");
    std::replace(cmd.begin(), cmd.end(), '\0', ' ');
    if (cmd.find(marker) == std::string::npos) continue;
    const std::string stat = slurp(e.path().string() + "/stat");
    const size_t rp = stat.rfind(')');
    if (rp != std::string::npos && rp + 2 < stat.size() && stat[rp + 2] == 'Z') continue;
    out.push_back({pid, cmd});
  }
  return out;
}

std::string describe(const std::vector<RunProcess>& ps) {
  std::string s;
  for (const auto& p : ps) s += "  pid " + std::to_string(p.pid) + ": " + p.cmd.substr(0, 300) + "\n";
  return s.empty() ? "  (none)\n" : s;
}

class ControllerKilled : public ::testing::Test {
 protected:
  void SetUp() override {
    bin_ = dir_ + "/fabcheck";
    fs::create_symlink(kFabcheckBin, bin_);
    std::ofstream(dir_ + "/s.yaml") << testing::longRingSuite("killed");
  }
  void TearDown() override {
    for (const auto& p : processesNaming(dir_)) ::kill(p.pid, SIGKILL);  // only when a check failed
  }

  // `fabcheck run` of the long suite on these hosts-file lines, through `launcher`.
  Subprocess startRun(const std::string& launcher, const std::string& hosts, const std::vector<std::string>& options) {
    std::ofstream(dir_ + "/hosts") << hosts;
    std::vector<std::string> argv{"/usr/bin/env", "TMPDIR=" + dir_, bin_, "run", dir_ + "/s.yaml", "--launcher",
                                  launcher, "--hosts", dir_ + "/hosts", "--binary", bin_, "--step-timeout", "5s",
                                  "--report", "json:" + dir_ + "/r.json"};
    for (const auto& o : options) argv.insert(argv.end(), {"--launcher-option", o});
    return Subprocess::start(argv);
  }

  // The run's agent processes (their command line starts with our binary and "agent").
  std::vector<pid_t> agents() const {
    std::vector<pid_t> out;
    for (const auto& p : processesNaming(dir_)) {
      if (p.cmd.rfind(bin_ + " agent ", 0) == 0) out.push_back(p.pid);
    }
    return out;
  }

  // Waits until the test runs and each of the three agents streams (one thread more than when
  // the test was announced, for five polls 10 ms apart).
  ::testing::AssertionResult streaming(Subprocess& p) {
    if (!p.waitForStderr("long", 120s)) return ::testing::AssertionFailure() << "the test never started:\n" << p.err();
    std::vector<pid_t> found;
    if (!eventually([&] { return (found = agents()).size() == 3; }, 20s)) {
      return ::testing::AssertionFailure() << "not three agents:\n" << describe(processesNaming(dir_)) << p.err();
    }
    std::vector<int> idle;
    for (pid_t a : found) idle.push_back(threadCount(a));
    int seen = 0;
    const bool ok = eventually(
        [&] {
          bool all = true;
          for (size_t i = 0; i < found.size(); ++i) all = all && threadCount(found[i]) >= idle[i] + 1;
          seen = all ? seen + 1 : 0;
          return seen >= 5;
        },
        30s);
    agents_ = found;
    if (!ok) return ::testing::AssertionFailure() << "the agents never streamed:\n" << p.err();
    return ::testing::AssertionSuccess();
  }

  // SIGKILLs the controller, then expects every agent gone within kAgentsGoneBound, every other
  // process of the run within kWrappersGoneBound, except those whose command line holds
  // `lingering` (when not empty), which may take `lingering_bound`. Prints how long each took.
  void killControllerAndExpectEverythingGone(Subprocess& p, const std::string& lingering = {},
                                             std::chrono::seconds lingering_bound = kWrappersGoneBound) {
    p.signal(SIGKILL);
    ASSERT_FALSE(p.waitExit(10s).timed_out);
    const auto struck = std::chrono::steady_clock::now();
    const auto since = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - struck).count(); };
    for (pid_t a : agents_) {
      EXPECT_TRUE(eventually([&] { return !isRunning(a); }, kAgentsGoneBound))
          << "agent pid " << a << " still runs " << std::chrono::duration<double>(kAgentsGoneBound).count()
          << " s after its controller was killed:\n"
          << describe(processesNaming(dir_));
    }
    const double agents_gone = since();
    const auto others = [&] {
      std::vector<RunProcess> left;
      for (auto& q : processesNaming(dir_)) {
        if (lingering.empty() || q.cmd.find(lingering) == std::string::npos) left.push_back(q);
      }
      return left;
    };
    EXPECT_TRUE(eventually([&] { return others().empty(); }, kWrappersGoneBound))
        << "left " << since() << " s after the controller was killed:\n" << describe(others());
    const double others_gone = since();
    EXPECT_TRUE(eventually([&] { return processesNaming(dir_).empty(); }, lingering_bound))
        << "left " << since() << " s after the controller was killed:\n" << describe(processesNaming(dir_));
    std::cout << "agents gone " << agents_gone << " s after the controller's SIGKILL; their wrappers " << others_gone
              << " s; everything " << since() << " s\n";
  }

  // Not gone and not a zombie.
  static bool isRunning(pid_t pid) {
    const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
    const size_t rp = stat.rfind(')');
    return rp != std::string::npos && rp + 2 < stat.size() && stat[rp + 2] != 'Z';
  }

  testing::TempDir tmp_{"fabcheck-killed"};
  const std::string dir_ = tmp_.path();  // removed with tmp_, after TearDown
  std::string bin_;
  std::vector<pid_t> agents_;
};

TEST_F(ControllerKilled, OverSshItsAgentsTheirRemoteShellsAndSshEnd) {
  if (const std::string why = testing::sshdUnavailableReason(); !why.empty()) GTEST_SKIP() << why;
  testing::Sshd sshd;
  ASSERT_TRUE(sshd.ok()) << sshd.log();
  Subprocess p = startRun("ssh", std::string(testing::Sshd::kAlias) + " slots=3\n", {"ssh_config=" + sshd.clientConfig()});
  ASSERT_TRUE(streaming(p));
  // The remote shells and ssh go with their agents; ssh's connection master ("ssh: <socket>
  // [mux]", under TMPDIR) ends kPersistSeconds after its last session (ssh_control.h).
  killControllerAndExpectEverythingGone(p, "[mux]",
                                        std::chrono::seconds(launch::SshControl::kPersistSeconds) + kWrappersGoneBound);
}

TEST_F(ControllerKilled, UnderMpirunItsAgentsAndMpirunEnd) {
  if (std::system("command -v mpirun >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "mpirun (Open MPI) is not installed; scripts/install-deps.sh installs openmpi-bin";
  }
  Subprocess p = startRun("mpirun", "localhost slots=3\n", {});
  ASSERT_TRUE(streaming(p));
  killControllerAndExpectEverythingGone(p);
}

TEST_F(ControllerKilled, UnderSlurmItsAgentsSrunAndTheStepEnd) {
  if (const std::string why = testing::slurmUnavailableReason(); !why.empty()) GTEST_SKIP() << why;
  testing::SlurmCluster cluster;
  ASSERT_TRUE(cluster.ok()) << cluster.logs();
  Subprocess p = startRun("slurm", cluster.node() + " slots=3\n",
                          {"slurm_mode=allocate", "slurm_per=task",
                           std::string("slurm_partition=") + testing::SlurmCluster::kPartition, "slurm_time_limit=5"});
  ASSERT_TRUE(streaming(p)) << cluster.logs();
  killControllerAndExpectEverythingGone(p);
  EXPECT_TRUE(eventually([&] { return cluster.strays().empty(); }, kWrappersGoneBound))
      << "step daemons or tasks left after the controller was killed";
  std::string jobs;
  EXPECT_TRUE(eventually([&] { return (jobs = testing::run({"squeue", "-h", "-o", "%i %j %T"}, 10s).out).empty(); },
                         kWrappersGoneBound))
      << "jobs left after the controller was killed: " << jobs;
}

}  // namespace
}  // namespace fabcheck
