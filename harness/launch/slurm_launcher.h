// The "slurm" launcher: ONE `srun` starts every agent as a task of one job step; each agent reads
// its id from SLURM_PROCID (`fabcheck agent <agent_args...> --agent-id-env SLURM_PROCID`).
//
// Contract (on top of launcher.h):
// - Options (createLauncher's map; anything else is a ConfigError listing these):
//     slurm_mode       srun (default): a step inside the allocation this process runs in
//                      (SLURM_JOB_ID must be set) | allocate: srun makes its own allocation
//                      (refused inside an allocation, where srun would only make a step)
//     slurm_per        node (default): one agent per node, every host must have slots=1 |
//                      task: one agent per slot
//     srun_options     extra srun words, whitespace-separated, placed after ours (so they can
//                      override, e.g. --overlap, --kill-on-bad-exit=1, -A acct); words that would
//                      break the launch (--export, --label, --nodelist, --nodes, --ntasks,
//                      --ntasks-per-node, --distribution, --verbose, --quiet and -l -w -N -n -m
//                      -v -Q) are refused
//     slurm_partition  --partition (allocate only)
//     slurm_time_limit --time, Slurm's syntax (allocate only)
// - launch() runs one child, with this process's environment plus spec.env (so the secret travels
//   in srun's environment, --export=ALL; never on a command line):
//     srun --kill-on-bad-exit=0 --export=ALL --label --verbose --mpi=none --job-name=fabcheck-agents
//          --nodes=<distinct hosts> --ntasks=<slots> [--ntasks-per-node=1 for slurm_per=node]
//          --nodelist=<one host per slot, in order> --distribution=arbitrary
//          [--partition=P] [--time=T] [srun_options...]
//          <binary> agent <agent_args...> --agent-id-env SLURM_PROCID
//   so agent i runs on the host of slot i, as with the other launchers. Hosts named
//   kSlurmAnyNode ("*", all of them or none) leave the choice to Slurm: no --nodelist or
//   --distribution, and --nodes=<slots> only for slurm_per=node.
// - Every agent maps to that one srun. launch() returns once srun reports the step launching (its
//   verbose "srun: launching StepId=J.S ..." line, or a later sign of the step: "tasks started",
//   a task's output or end). srun ending first (unknown partition or node, bad option) →
//   LaunchError "slurm launcher: srun failed: <srun's error line>"; no step after
//   spec.start_timeout_ns (e.g. queued) → LaunchError naming the wait and srun's last line.
//   A later failure (the binary cannot be executed on a node) shows in exited().
// - exited(): agents whose task srun reported ending ("srun: error: node3: task 2: Exited with
//   exit code 3", "... tasks 0,2: Completed", "... task 1: Killed"), with that host; once srun
//   has ended, every agent not reported yet, with srun's status (128+N read as signal N). Each
//   agent's stderr_tail holds its own lines (srun --label names each line's task) and srun's errors.
//   Best effort while srun runs: only srun's last process::ChildSet::kTailLines stderr lines are seen.
// - stop(grace): srun turns its own SIGTERM into SIGKILL for every task, so the agents get their
//   SIGTERM from `scancel --signal=TERM <J.S>` (when the step id is known); then waits up to grace
//   for srun to end; then SIGTERM to srun (it kills the tasks and waits for the step) and up to
//   kSrunTermWaitNs; then `scancel --signal=KILL <J.S>` and SIGKILL to srun's process group.
//   Bounded; idempotent; the destructor calls it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/launch/child_process_launcher.h"
#include "harness/launch/slurm_nodelist.h"

namespace fabcheck::launch {

inline constexpr const char* kSlurmAnyNode = "*";
inline constexpr int64_t kSrunTermWaitNs = 5'000'000'000;

struct SlurmOptions {
  enum class Mode { kSrun, kAllocate };
  enum class Per { kNode, kTask };
  Mode mode = Mode::kSrun;
  Per per = Per::kNode;
  std::vector<std::string> srun_extra;
  std::string partition;
  std::string time_limit;
};

SlurmOptions parseSlurmOptions(const std::map<std::string, std::string>& options);  // throws ConfigError

// "<binary> agent <agent_args...> --agent-id-env <var>": the agent reads its id from `var`.
std::vector<std::string> agentArgvIdFromEnv(const LaunchSpec& spec, const std::string& var);
// srun's full argv for `spec` (see above). Throws LaunchError for hosts srun cannot take.
std::vector<std::string> srunArgv(const SlurmOptions& o, const LaunchSpec& spec);

// The hosts of a run that names none, inside an allocation: SLURM_JOB_NODELIST (or
// SLURM_NODELIST) expanded, one slot per node for slurm_per=node, SLURM_TASKS_PER_NODE's counts
// for slurm_per=task (`launcher_options` are the slurm launcher's options). Empty outside an
// allocation (then {{kSlurmAnyNode, N}} lets Slurm choose N slots). Throws ConfigError for
// malformed variables, naming them.
std::vector<HostEntry> slurmHostsFromEnvironment(const std::map<std::string, std::string>& launcher_options = {});

// One "task(s) ... ended" report of srun, parsed from a line of its stderr.
struct SrunTaskEnd {
  std::string hosts;      // as srun wrote it (one host, or a host list)
  std::vector<int> tasks;
  process::ProcessExit exit;
};
std::optional<SrunTaskEnd> parseSrunTaskEnd(const std::string& line);
// The lines of srun's stderr `tail` that concern agent `id`: its own (label removed) and srun's
// errors not about other tasks.
std::string agentLines(const std::string& tail, int id);

class SlurmLauncher : public ChildProcessLauncher {
 public:
  explicit SlurmLauncher(SlurmOptions options) : opts_(std::move(options)) {}
  ~SlurmLauncher() override;
  std::string name() const override { return "slurm"; }
  void launch(const LaunchSpec& spec) override;
  std::vector<AgentExit> exited() override;
  void stop(int64_t grace_ns = 2'000'000'000) noexcept override;

  const std::string& stepId() const { return step_; }  // "J.S" once known

 private:
  bool scanForStep();  // reads srun's stderr tail: step id, signs of the launch
  std::string srunError() const;

  SlurmOptions opts_;
  std::string step_;
  bool launched_ = false;
  bool stopped_ = false;
  std::map<int, AgentExit> ended_;  // agents reported ended, by id
};

}  // namespace fabcheck::launch
