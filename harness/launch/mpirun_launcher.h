// The "mpirun" launcher: one Open MPI mpirun starts every agent, on this host and (through
// Open MPI's own ssh/rsh or batch-system launch of its daemons) on remote hosts.
//
// Contract (on top of launcher.h):
// - launch() runs ONE child process:
//     <mpirun> -q [--allow-run-as-root] [--oversubscribe] --bind-to none --map-by slot
//         <mpirun_options...> -np <total slots> --host a:2,b:1 -x NAME... (one per spec.env key)
//         sh -c <rank script> fabcheck-launch <binary> agent <agent_args...> --agent-id-env OMPI_COMM_WORLD_RANK
//   Agents do not call MPI_Init (Open MPI 4.1 starts non-MPI programs); each takes its id from
//   OMPI_COMM_WORLD_RANK. Hosts go on --host (no temp file to clean up): entries with the same
//   name are merged (slots added, first position kept) because Open MPI merges them too, and a
//   name that is empty, starts with '-' or holds ',', ':' or whitespace is a LaunchError.
//   `--map-by slot` fills each host's slots in --host order, so agent ids 0..n-1 are labelled
//   with the merged hosts in order. `--bind-to none`: agents pick their own CPUs (Open MPI
//   would pin each one to a single core when there are at most 2 ranks). Options from
//   mpirun_options come after these defaults, so a user's --map-by/--bind-to/--mca wins.
// - The secret and every other spec.env entry are in mpirun's environment and exported by NAME
//   (-x NAME, never -x NAME=value): values are on no command line. To remote hosts Open MPI
//   carries them in its launch message over its out-of-band TCP channel, not through ssh argv.
// - The rank script (a fixed POSIX sh text, the agent argv as "$@") checks that the binary is
//   executable (else prints "fabcheck-launch: <binary> is not an executable on <node>" on
//   stderr and exits 127), prints "fabcheck-launch: agent <rank> started" on stdout, and execs
//   the agent with stdout to /dev/null. launch() waits, at most spec.start_timeout_ns, until
//   mpirun's stdout holds that line for every rank (all agents started, also on remote hosts),
//   or mpirun ends (LaunchError with mpirun's distinct stderr lines, e.g. ssh's "Could not
//   resolve hostname", the rank script's line, or "mpirun: Error: unknown option"). On a
//   timeout it stops mpirun and throws LaunchError naming how many agents started.
// - mpirun runs with -q: its multi-paragraph help banners would otherwise push the actual cause
//   out of the kept stderr tail (process::ChildSet::kTailLines). When mpirun ends having printed nothing,
//   the LaunchError gives the exit status and the command line to rerun by hand without -q.
// - Options (createLauncher's map), anything else is a ConfigError listing these:
//     mpirun                path or name on PATH of mpirun (default "mpirun")
//     mpirun_options        extra words, whitespace-split, passed through before -np
//     mpirun_allow_root     auto (default: add --allow-run-as-root when geteuid()==0) | 1 | 0
//     mpirun_oversubscribe  auto (default) | 1 | 0. Open MPI takes the slot counts given in
//                           --host as they are, so mapping never needs it; auto adds it anyway
//                           when the slots of entries naming this host (localhost, 127.0.0.1,
//                           gethostname()) exceed its online CPUs, so a core-counting --map-by
//                           or --bind-to from mpirun_options still starts. Remote hosts' cores
//                           are not known here; set 1 for them if your options need it.
//   No MCA parameters are set: agents use no MPI communication, and mpirun needed none to
//   start here (a container, loopback only). Add them with mpirun_options "--mca k v" or
//   OMPI_MCA_k in the environment.
// - Every agent id maps to the one mpirun child: exited() reports nothing while mpirun runs and
//   every agent once it has ended, each with mpirun's status (Open MPI ends the whole job when
//   one agent exits non-zero and returns that agent's code; codes 129..192 are reported as
//   signal code-128, as a shell would) and mpirun's stderr tail (the agents' stderr is
//   forwarded there).
// - stop(grace): SIGTERM to mpirun, which sends SIGTERM to every agent and SIGKILL
//   odls_base_sigkill_timeout (1 s by default) later, on every host; waits grace_ns + 5 s for
//   mpirun to end, then SIGKILLs mpirun's process group. Local agents run in their own process
//   groups (Open MPI's doing), so the processes mpirun started on this host (its direct
//   children, recorded with their start time once launch() saw every agent start and again
//   while stop() waits) that are still alive then get SIGKILL too — also when mpirun had
//   already died by itself. Remote orteds end their agents when their connection to mpirun
//   drops.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/launch/child_process_launcher.h"

namespace fabcheck::launch {

struct MpirunOptions {
  std::string mpirun = "mpirun";
  std::vector<std::string> extra;      // mpirun_options words
  std::optional<bool> allow_root;      // nullopt: auto
  std::optional<bool> oversubscribe;   // nullopt: auto
};

MpirunOptions parseMpirunOptions(const std::map<std::string, std::string>& options);  // throws ConfigError

// Hosts as mpirun gets them: same names merged, first position kept. Throws LaunchError for a
// name mpirun's --host cannot carry.
std::vector<HostEntry> mpirunHosts(const std::vector<HostEntry>& hosts);

// The full argv launch() runs. `as_root` and `local_cpus` resolve the auto options.
std::vector<std::string> mpirunArgv(const MpirunOptions& o, const LaunchSpec& spec, bool as_root, long local_cpus);

class MpirunLauncher : public ChildProcessLauncher {
 public:
  explicit MpirunLauncher(MpirunOptions options) : opts_(std::move(options)) { status_via_shell_ = true; }
  ~MpirunLauncher() override;
  std::string name() const override { return "mpirun"; }
  void launch(const LaunchSpec& spec) override;
  void stop(int64_t grace_ns = 2'000'000'000) noexcept override;

 private:
  // A process mpirun started on this host; the start time tells a reused PID apart.
  struct LocalProc {
    pid_t pid = 0;
    pid_t pgid = 0;
    unsigned long long start = 0;
  };
  void recordLocalProcs();  // adds mpirun's live direct children to local_procs_

  MpirunOptions opts_;
  bool stopped_ = false;
  std::vector<LocalProc> local_procs_;
};

}  // namespace fabcheck::launch
