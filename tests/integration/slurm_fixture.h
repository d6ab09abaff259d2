// Test support: a REAL single-node Slurm cluster (slurmctld + slurmd + munged) for the slurm
// launcher's tests.
//
// SlurmCluster makes a temp dir (0755: munge needs o+x on the socket's directories) with a munge
// key (0400, in a 0700 dir), starts `munged -F` on its own socket/key/pid/seed/log files, writes
// a slurm.conf (ClusterName fabtest; SlurmctldHost and NodeName = this host's short name with
// address 127.0.0.1; 8 CPUs whatever the machine has (SlurmdParameters=config_overrides), one
// partition "fabtest" with OverSubscribe=FORCE; proctrack/linuxproc, task/none, no cgroups, no
// accounting; free loopback ports; state and spool dirs in the temp dir; AuthInfo pointing at our
// munge socket), then runs `slurmctld -D` and `slurmd -D -N <node>` as children and waits
// (bounded, 30 s) until `sinfo` shows the node idle. It sets SLURM_CONF in this process's
// environment (so srun, sinfo and scancel, and the launcher's srun, talk to this cluster and never
// look for one in DNS) and FABCHECK_SLURM_FIXTURE=<dir>, inherited by the daemons, their step
// daemons and every task: the marker by which the destructor finds what is left.
//
// The destructor, also after a failed test: scancel every job, waits (5 s) for marked processes
// to end, stops slurmd and slurmctld by PID (SIGTERM, SIGKILL after 5 s), SIGKILLs marked
// processes still there, stops munged, restores the environment and removes the temp dir.
//
// Header-only: the integration test binary compiles only tests/integration/*_test.cpp.
// slurmUnavailableReason() is empty when the cluster can run here, else the reason to GTEST_SKIP.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/ports.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::testing {

inline std::string slurmUnavailableReason() {
  namespace fs = std::filesystem;
  if (::geteuid() != 0) return "the Slurm fixture needs root (slurmd runs tasks as any user; munged and slurmd as root)";
  for (const char* p : {"/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/srun",
                        "/usr/bin/sinfo", "/usr/bin/scancel", "/usr/bin/salloc"}) {
    if (!fs::exists(p)) return std::string(p) + " is missing (install slurmctld slurmd slurm-client munge)";
  }
  return {};
}

class SlurmCluster {
 public:
  static constexpr const char* kPartition = "fabtest";
  static constexpr int kCpus = 8;

  SlurmCluster() {
    namespace fs = std::filesystem;
    using namespace std::chrono_literals;
    std::string tmpl = "/tmp/fabcheck-slurm-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
      return;
    }
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0755);
    for (const char* d : {"munge", "run", "state", "spool"}) fs::create_directories(dir_ + "/" + d);
    ::chmod((dir_ + "/munge").c_str(), 0700);
    ::chmod((dir_ + "/run").c_str(), 0755);
    {
      std::random_device rd;
      std::ofstream key(dir_ + "/munge/munge.key", std::ios::binary);
      for (int i = 0; i < 1024; ++i) key.put(static_cast<char>(rd() & 0xff));
    }
    ::chmod((dir_ + "/munge/munge.key").c_str(), 0400);

    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    node_ = std::string(host).substr(0, std::string(host).find('.'));
    setEnv("SLURM_CONF", conf());
    setEnv("FABCHECK_SLURM_FIXTURE", dir_);

    munged_.emplace(Subprocess::start(daemon("/usr/sbin/munged -F --socket=" + socket() + " --key-file=" + dir_ +
                                             "/munge/munge.key --pid-file=" + dir_ + "/run/munged.pid --seed-file=" +
                                             dir_ + "/run/munged.seed --log-file=" + dir_ + "/munged.log",
                                             "munged.out")));
    if (!eventually([&] { return fs::exists(socket()); }, 10s)) {
      ADD_FAILURE() << "munged did not create " << socket() << " within 10 s: " << logs();
      return;
    }

    const uint16_t ctld_port = unusedLoopbackPort(SOCK_STREAM);
    uint16_t slurmd_port = unusedLoopbackPort(SOCK_STREAM);
    while (slurmd_port == ctld_port) slurmd_port = unusedLoopbackPort(SOCK_STREAM);
    std::ofstream(conf()) << "ClusterName=fabtest\n"
                          << "SlurmctldHost=" << node_ << "(127.0.0.1)\n"
                          << "SlurmctldPort=" << ctld_port << "\nSlurmdPort=" << slurmd_port << "\n"
                          << "SlurmUser=root\nSlurmdUser=root\n"
                          << "AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket=" << socket() << "\n"
                          << "StateSaveLocation=" << dir_ << "/state\nSlurmdSpoolDir=" << dir_ << "/spool\n"
                          << "SlurmctldPidFile=" << dir_ << "/run/slurmctld.pid\n"
                          << "SlurmdPidFile=" << dir_ << "/run/slurmd.pid\n"
                          << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
                          << "JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n"
                          << "JobCompType=jobcomp/none\nMpiDefault=none\nMailProg=/bin/true\n"
                          << "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n"
                          << "SchedulerType=sched/builtin\nReturnToService=2\nSlurmdParameters=config_overrides\n"
                          << "InactiveLimit=0\nKillWait=2\nMinJobAge=5\nSlurmdTimeout=60\n"
                          << "NodeName=" << node_ << " NodeAddr=127.0.0.1 CPUs=" << kCpus << " State=UNKNOWN\n"
                          << "PartitionName=" << kPartition << " Nodes=" << node_
                          << " Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE\n";
    slurmctld_.emplace(Subprocess::start(daemon("/usr/sbin/slurmctld -D -f " + conf(), "slurmctld.log")));
    slurmd_.emplace(Subprocess::start(daemon("/usr/sbin/slurmd -D -f " + conf() + " -N " + node_, "slurmd.log")));
    std::string state;
    const bool idle = eventually(
        [&] {
          const RunResult r = run({"/usr/bin/sinfo", "-h", "-N", "-n", node_, "-o", "%T"}, 5s);
          state = r.out + r.err;
          return r.status.code == 0 && state.rfind("idle", 0) == 0;
        },
        30s);
    if (!idle) {
      ADD_FAILURE() << "Slurm node " << node_ << " not idle within 30 s (sinfo: " << state << ")\n" << logs();
      return;
    }
    ok_ = true;
  }

  ~SlurmCluster() {
    using namespace std::chrono_literals;
    if (slurmctld_) run({"/usr/bin/scancel", "--user=" + std::to_string(::geteuid())}, 10s);
    eventually([&] { return strays().empty(); }, 5s);
    for (auto* p : {&slurmd_, &slurmctld_}) {
      if (*p) {
        (*p)->signal(SIGTERM);
        (*p)->waitExit(5s);  // SIGKILL at the timeout
      }
    }
    for (pid_t pid : strays()) ::kill(pid, SIGKILL);
    eventually([&] { return strays().empty(); }, 3s);
    if (munged_) {
      munged_->signal(SIGTERM);
      munged_->waitExit(5s);
    }
    restoreEnv();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  SlurmCluster(const SlurmCluster&) = delete;
  SlurmCluster& operator=(const SlurmCluster&) = delete;

  bool ok() const { return ok_; }
  const std::string& dir() const { return dir_; }
  const std::string& node() const { return node_; }
  std::string conf() const { return dir_ + "/slurm.conf"; }

  // The daemons' logs, for failure messages.
  std::string logs() const {
    std::string s;
    for (const char* f : {"munged.out", "munged.log", "slurmctld.log", "slurmd.log"}) {
      const std::string text = slurp(dir_ + "/" + f);
      s += std::string("--- ") + f + "\n" + (text.size() > 6000 ? text.substr(text.size() - 6000) : text);
    }
    return s;
  }

  // Processes other than this one (and the daemons) carrying our marker: step daemons, tasks.
  std::vector<pid_t> strays() const {
    std::vector<pid_t> out;
    const std::string marker = std::string("FABCHECK_SLURM_FIXTURE=") + dir_ + '\0';
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
      const std::string name = e.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      const pid_t pid = static_cast<pid_t>(std::stoi(name));
      if (pid == ::getpid() || isDaemon(pid)) continue;
      const std::string env = slurp(e.path().string() + "/environ");
      const std::string stat = slurp(e.path().string() + "/stat");
      const size_t rp = stat.rfind(')');
      const bool zombie = rp != std::string::npos && rp + 2 < stat.size() && stat[rp + 2] == 'Z';
      if (!zombie && env.find(marker) != std::string::npos) out.push_back(pid);
    }
    return out;
  }

 private:
  // `/bin/sh -c 'exec <cmd> >file 2>&1'`: the PID stays the daemon's, its output goes to a file
  // (never a pipe nobody reads).
  std::vector<std::string> daemon(const std::string& cmd, const std::string& out) const {
    return {"/bin/sh", "-c", "exec " + cmd + " >" + dir_ + "/" + out + " 2>&1"};
  }
  std::string socket() const { return dir_ + "/run/munge.sock"; }
  bool isDaemon(pid_t pid) const {
    for (const auto* p : {&munged_, &slurmctld_, &slurmd_}) {
      if (*p && (*p)->pid() == pid) return true;
    }
    return false;
  }

  void setEnv(const std::string& name, const std::string& value) {
    const char* old = std::getenv(name.c_str());
    saved_env_.push_back({name, old ? std::optional<std::string>(old) : std::nullopt});
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  void restoreEnv() {
    for (const auto& [name, old] : saved_env_) {
      if (old) {
        ::setenv(name.c_str(), old->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
    saved_env_.clear();
  }

  std::string dir_;
  std::string node_;
  bool ok_ = false;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_env_;
  std::optional<Subprocess> munged_, slurmctld_, slurmd_;
};

}  // namespace fabcheck::testing
