// The slurm launcher's pure parts: options, srun's command line, reading srun's reports, and the
// checks launch() makes before it starts anything. The real srun is in
// tests/integration/slurm_launcher_test.cpp.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <optional>

#include "generators/core/errors.h"
#include "harness/launch/slurm_launcher.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::launch {
namespace {

using fabcheck::testing::errorOf;

class ScopedEnv {
 public:
  ScopedEnv(std::string name, const char* value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value) {
      ::setenv(name_.c_str(), value, 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

std::string optionError(const std::map<std::string, std::string>& o) {
  return errorOf<ConfigError>([&] { parseSlurmOptions(o); });
}

LaunchSpec spec(std::vector<HostEntry> hosts) {
  LaunchSpec s;
  s.binary = "/opt/fabcheck";
  s.agent_args = {"--controller", "10.0.0.1:7000"};
  s.env = {{"FABCHECK_RUN_SECRET", "s3cret"}};
  s.hosts = std::move(hosts);
  return s;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& w : v) s += (s.empty() ? "" : " ") + w;
  return s;
}

TEST(SlurmOptions, DefaultsAndValues) {
  const SlurmOptions d = parseSlurmOptions({});
  EXPECT_EQ(d.mode, SlurmOptions::Mode::kSrun);
  EXPECT_EQ(d.per, SlurmOptions::Per::kNode);
  const SlurmOptions o = parseSlurmOptions({{"slurm_mode", "allocate"},
                                            {"slurm_per", "task"},
                                            {"srun_options", "  --overlap\t-A acct  "},
                                            {"slurm_partition", "gpu,cpu"},
                                            {"slurm_time_limit", "1-02:30"}});
  EXPECT_EQ(o.mode, SlurmOptions::Mode::kAllocate);
  EXPECT_EQ(o.per, SlurmOptions::Per::kTask);
  EXPECT_EQ(o.srun_extra, (std::vector<std::string>{"--overlap", "-A", "acct"}));
  EXPECT_EQ(o.partition, "gpu,cpu");
  EXPECT_EQ(o.time_limit, "1-02:30");
  for (const char* t : {"5", "5:30", "1:02:03", "2-0", "2-1:02:03", "UNLIMITED"}) {
    EXPECT_EQ(optionError({{"slurm_mode", "allocate"}, {"slurm_time_limit", t}}), "<no exception>") << t;
  }
}

TEST(SlurmOptions, BadValuesSayWhatWasExpected) {
  EXPECT_EQ(optionError({{"slurm_nodes", "4"}}),
            "slurm launcher: unknown option 'slurm_nodes'; expected one of: slurm_mode, slurm_partition, slurm_per, "
            "slurm_time_limit, srun_options");
  EXPECT_EQ(optionError({{"slurm_mode", "sbatch"}}),
            "slurm launcher: slurm_mode 'sbatch' is unknown; expected srun (inside an allocation) or allocate");
  EXPECT_NE(optionError({{"slurm_per", "gpu"}}).find("slurm_per 'gpu' is unknown; expected node"), std::string::npos);
  for (const char* w : {"--export=NONE", "--label", "-w", "-wnode1", "--nodelist=a", "-n4", "--ntasks-per-node=2",
                        "-m", "--distribution=block", "-Q", "--quiet", "-v"}) {
    EXPECT_EQ(optionError({{"srun_options", std::string("--overlap ") + w}}),
              std::string("slurm launcher: srun_options word '") + w +
                  "' is set by the launcher itself; expected other srun options");
  }
  EXPECT_NE(optionError({{"slurm_mode", "allocate"}, {"slurm_partition", "a b"}}).find("slurm_partition 'a b' is not a partition name"),
            std::string::npos);
  EXPECT_NE(optionError({{"slurm_mode", "allocate"}, {"slurm_partition", ""}}).find("slurm_partition '' is not"),
            std::string::npos);
  for (const char* t : {"", "1h", "1:2:3:4", "-1", "1-", "1:"}) {
    EXPECT_NE(optionError({{"slurm_mode", "allocate"}, {"slurm_time_limit", t}})
                  .find(std::string("slurm_time_limit '") + t + "' is not a Slurm time"),
              std::string::npos)
        << t;
  }
  EXPECT_EQ(optionError({{"slurm_partition", "gpu"}}),
            "slurm launcher: slurm_partition applies only with slurm_mode=allocate (slurm_mode=srun runs in the existing "
            "allocation)");
  EXPECT_NE(optionError({{"slurm_time_limit", "5"}}).find("slurm_time_limit applies only with slurm_mode=allocate"),
            std::string::npos);
}

TEST(SlurmOptions, TheRegistryKnowsTheLauncher) {
  EXPECT_EQ(createLauncher("slurm", {})->name(), "slurm");
  EXPECT_NE(errorOf<ConfigError>([] { createLauncher("slurm", {{"bogus", "1"}}); }).find("unknown option 'bogus'"),
            std::string::npos);
  EXPECT_NE(errorOf<ConfigError>([] { createLauncher("nope", {}); }).find("slurm"), std::string::npos);
}

TEST(SrunArgv, OneAgentPerSlotInHostOrderWithTheIdFromSlurmProcid) {
  const auto argv = srunArgv(parseSlurmOptions({{"slurm_per", "task"}, {"srun_options", "--overlap"}}),
                             spec({{"n2", 2, {}}, {"n1", 1, {}}}));
  EXPECT_EQ(joined(argv),
            "srun --kill-on-bad-exit=0 --export=ALL --label --verbose --mpi=none --job-name=fabcheck-agents --nodes=2 "
            "--ntasks=3 --nodelist=n2,n2,n1 --distribution=arbitrary --overlap /opt/fabcheck agent --controller "
            "10.0.0.1:7000 --agent-id-env SLURM_PROCID");
  EXPECT_EQ(joined(argv).find("s3cret"), std::string::npos) << "the secret stays in the environment";
}

TEST(SrunArgv, PerNodeAllocateWithPartitionAndTime) {
  const auto argv = srunArgv(
      parseSlurmOptions({{"slurm_mode", "allocate"}, {"slurm_partition", "p1"}, {"slurm_time_limit", "10"}}),
      spec({{"a", 1, {}}, {"b", 1, {}}}));
  EXPECT_EQ(joined(argv),
            "srun --kill-on-bad-exit=0 --export=ALL --label --verbose --mpi=none --job-name=fabcheck-agents --nodes=2 "
            "--ntasks=2 --ntasks-per-node=1 --nodelist=a,b --distribution=arbitrary --partition=p1 --time=10 "
            "/opt/fabcheck agent --controller 10.0.0.1:7000 --agent-id-env SLURM_PROCID");
}

TEST(SrunArgv, AnyNodeLeavesTheChoiceToSlurm) {
  const std::string per_node = joined(srunArgv(parseSlurmOptions({}), spec({{kSlurmAnyNode, 4, {}}})));
  EXPECT_NE(per_node.find("--nodes=4 --ntasks=4 --ntasks-per-node=1 /opt/fabcheck"), std::string::npos) << per_node;
  const std::string per_task = joined(srunArgv(parseSlurmOptions({{"slurm_per", "task"}}), spec({{kSlurmAnyNode, 4, {}}})));
  EXPECT_NE(per_task.find("--job-name=fabcheck-agents --ntasks=4 /opt/fabcheck"), std::string::npos) << per_task;
  EXPECT_EQ(per_task.find("--nodelist"), std::string::npos);
}

TEST(SrunArgv, HostsSrunCannotTakeAreLaunchErrors) {
  auto err = [](const std::map<std::string, std::string>& o, std::vector<HostEntry> hosts) {
    return errorOf<LaunchError>([&] { srunArgv(parseSlurmOptions(o), spec(std::move(hosts))); });
  };
  EXPECT_EQ(err({}, {{"n1", 2, {}}}),
            "slurm launcher: slurm_per=node runs one agent per node, but host 'n1' has slots=2; expected slots=1, or set "
            "slurm_per=task");
  EXPECT_NE(err({}, {{"n[1-2]", 1, {}}}).find("host 'n[1-2]' is not a Slurm node name"), std::string::npos);
  EXPECT_NE(err({}, {{"a,b", 1, {}}}).find("host 'a,b' is not a Slurm node name"), std::string::npos);
  EXPECT_NE(err({}, {{"n1", 1, {}}, {kSlurmAnyNode, 1, {}}}).find("hosts mix '*' (any node) with named hosts"),
            std::string::npos);
}

TEST(SrunTaskEnd, ReadsSrunsReports) {
  auto t = parseSrunTaskEnd("srun: error: node3: task 2: Exited with exit code 3");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->hosts, "node3");
  EXPECT_EQ(t->tasks, (std::vector<int>{2}));
  EXPECT_EQ(t->exit.code, 3);
  t = parseSrunTaskEnd("srun: launch/slurm: _task_finish: vm: tasks 0,2-3: Completed");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->hosts, "vm");
  EXPECT_EQ(t->tasks, (std::vector<int>{0, 2, 3}));
  EXPECT_EQ(t->exit.code, 0);
  EXPECT_EQ(t->exit.signal, 0);
  t = parseSrunTaskEnd("srun: error: n[1-2]: tasks 0-1: Segmentation fault (core dumped)");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->hosts, "n[1-2]");
  EXPECT_EQ(t->exit.signal, SIGSEGV);
  EXPECT_EQ(t->exit.code, -1);
  t = parseSrunTaskEnd("srun: error: vm: task 0: Killed");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->exit.signal, SIGKILL);
  for (const char* other : {"0: srun: error: vm: task 0: Killed", "srun: launching StepId=5.0 on host vm, 3 tasks: [0-2]",
                            "srun: launch/slurm: _task_finish: Received task exit notification for 1 task of StepId=1.0 (status=0x0300).",
                            "srun: error: vm: task x: Killed", "srun: error: vm: task 0: Something else"}) {
    EXPECT_FALSE(parseSrunTaskEnd(other)) << other;
  }
}

TEST(SrunTaskEnd, AgentLinesKeepItsOwnAndSrunsErrors) {
  const std::string tail =
      "srun: jobid 5: nodes(1):`vm', cpu counts: 3(x1)\n"
      "0: agent 0 says hi\n"
      " 1: agent 1 says hi\n"
      "10: agent 10\n"
      "srun: error: vm: task 1: Exited with exit code 3\n"
      "srun: error: vm: task 0: Killed\n"
      "srun: error: Task launch for StepId=5.0 failed on node vm\n"
      "slurmstepd-vm: error: unlabeled\n";
  EXPECT_EQ(agentLines(tail, 1),
            "agent 1 says hi\nsrun: error: vm: task 1: Exited with exit code 3\n"
            "srun: error: Task launch for StepId=5.0 failed on node vm\nslurmstepd-vm: error: unlabeled");
  EXPECT_EQ(agentLines(tail, 0).find("agent 1"), std::string::npos);
}

TEST(SlurmLauncher, ModeAndAllocationMustAgreeBeforeAnythingStarts) {
  const LaunchSpec s = spec({{"n1", 1, {}}});
  {
    ScopedEnv no_job("SLURM_JOB_ID", nullptr);
    SlurmLauncher l(parseSlurmOptions({}));
    EXPECT_EQ(errorOf<LaunchError>([&] { l.launch(s); }),
              "slurm launcher: slurm_mode=srun starts the agents inside this process's Slurm allocation, but "
              "SLURM_JOB_ID is not set; run inside salloc/sbatch, or set slurm_mode=allocate to let srun allocate the "
              "nodes");
  }
  {
    ScopedEnv job("SLURM_JOB_ID", "42");
    SlurmLauncher l(parseSlurmOptions({{"slurm_mode", "allocate"}}));
    EXPECT_EQ(errorOf<LaunchError>([&] { l.launch(s); }),
              "slurm launcher: slurm_mode=allocate, but this process runs inside Slurm job 42 (SLURM_JOB_ID), where "
              "srun would only make a step; expected slurm_mode=srun here");
  }
}

TEST(SlurmHostsFromEnvironment, NodesOfTheAllocation) {
  ScopedEnv a("SLURM_JOB_NODELIST", "n[01-03]");
  ScopedEnv b("SLURM_NODELIST", nullptr);
  ScopedEnv c("SLURM_TASKS_PER_NODE", "2(x2),1");
  auto hosts = slurmHostsFromEnvironment();
  ASSERT_EQ(hosts.size(), 3u);
  EXPECT_EQ(hosts[2].name, "n03");
  for (const auto& h : hosts) EXPECT_EQ(h.slots, 1);
  hosts = slurmHostsFromEnvironment({{"slurm_per", "task"}});
  ASSERT_EQ(hosts.size(), 3u);
  EXPECT_EQ(hosts[0].slots, 2);
  EXPECT_EQ(hosts[1].slots, 2);
  EXPECT_EQ(hosts[2].slots, 1);
}

TEST(SlurmHostsFromEnvironment, EmptyOutsideAnAllocationAndClearErrorsInside) {
  {
    ScopedEnv a("SLURM_JOB_NODELIST", nullptr);
    ScopedEnv b("SLURM_NODELIST", nullptr);
    EXPECT_TRUE(slurmHostsFromEnvironment().empty());
  }
  ScopedEnv a("SLURM_JOB_NODELIST", "n[1-2");
  EXPECT_NE(errorOf<ConfigError>([] { slurmHostsFromEnvironment(); }).find("environment variable SLURM_JOB_NODELIST 'n[1-2'"),
            std::string::npos);
  ScopedEnv fixed("SLURM_JOB_NODELIST", "n[1-2]");
  ScopedEnv c("SLURM_TASKS_PER_NODE", "1");
  EXPECT_NE(errorOf<ConfigError>([] { slurmHostsFromEnvironment({{"slurm_per", "task"}}); })
                .find("SLURM_TASKS_PER_NODE '1' gives 1 counts for the 2 nodes of SLURM_JOB_NODELIST"),
            std::string::npos);
  ScopedEnv none("SLURM_TASKS_PER_NODE", nullptr);
  EXPECT_NE(errorOf<ConfigError>([] { slurmHostsFromEnvironment({{"slurm_per", "task"}}); })
                .find("slurm_per=task takes each node's slots from SLURM_TASKS_PER_NODE, which is not set"),
            std::string::npos);
}

}  // namespace
}  // namespace fabcheck::launch
