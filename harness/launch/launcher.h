// Launchers start `fabcheck agent` on a set of hosts and stop it. They never run anything else.
//
// Contract:
// - launch() starts one agent per slot: `<binary> agent <agent_args...> --agent-id <i>` with
//   the environment in `env` added. The per-run secret reaches agents out of band only: the
//   launcher passes it in the environment (local), or on the agent's standard input / a 0600
//   file (ssh), never on a command line (visible in `ps`).
// - launch() returns once every agent process has been started (not once they registered: the
//   controller waits for registration with its own timeout). It throws LaunchError naming the
//   host and what failed (e.g. "ssh to node07: Permission denied (publickey)"); with
//   spec.keep_going, the ssh launcher reports such per-agent failures through exited() instead.
// - stop() ends every agent it started: SIGTERM, then SIGKILL after `grace_ns`; waits (bounded)
//   for them to exit. Idempotent; the destructor calls it.
// - exited() reports agents that have already ended, with their exit status and the last lines
//   of their stderr, so the controller can name a lost agent's host and why it died.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "generators/core/errors.h"
#include "harness/counters/counter_source.h"
#include "harness/launch/hosts.h"

namespace fabcheck::launch {

using fabcheck::LaunchError;  // generators/core/errors.h

struct LaunchSpec {
  std::string binary;                        // path to fabcheck on the target hosts
  std::vector<std::string> agent_args;       // after "agent", before "--agent-id N"
  std::map<std::string, std::string> env;    // added to the agents' environment (secret included)
  std::vector<HostEntry> hosts;              // where; one agent per slot, in order
  int64_t start_timeout_ns = 30'000'000'000; // per host, for the launch itself
  // A run that may go on without some agents (min_agents): a launcher that starts agents one by
  // one (ssh) does not throw for one agent's failure but reports it through exited(), naming the
  // host and why, and launches the others. Launchers that start all agents as one step ignore it.
  bool keep_going = false;
  // Called by a launcher that waits long (ssh's window) from the launching thread while it
  // waits, at least every ~10 ms: the runner admits the agents registered so far there, so the
  // first ones do not wait unheard for the last host's launch. May be empty.
  std::function<void()> while_waiting;
};

struct AgentExit {
  int agent_id = 0;
  std::string host;
  int exit_code = -1;       // -1 when killed by a signal
  int signal = 0;
  std::string stderr_tail;  // last lines of its stderr, for error messages
};

class Launcher {
 public:
  virtual ~Launcher() = default;
  virtual std::string name() const = 0;
  virtual void launch(const LaunchSpec& spec) = 0;
  virtual std::vector<AgentExit> exited() = 0;
  virtual void stop(int64_t grace_ns = 2'000'000'000) noexcept = 0;
  // Counter sources of the network between the agents that this launcher built and so knows
  // (the emulated fabric's switch ports), valid after launch() until stop(); the runner reads
  // them before and after each test. Default: none (a real fabric's switches are not ours).
  virtual std::vector<std::unique_ptr<counters::CounterSource>> fabricCounterSources() { return {}; }
};

// The hosts a launcher uses when no hosts file is given: slurm reads the allocation
// (SLURM_JOB_NODELIST, and the task counts with slurm_per=task), or outside one lets Slurm
// choose `agents` slots; local is this host with `agents` slots; emulated is the fabric's hosts
// h0..h<N-1> (one slot each, label leaf=<a> on leaf-spine; emulated_launcher.h); the others have
// none (empty: a hosts file is required).
std::vector<HostEntry> defaultHosts(const std::string& launcher, const std::map<std::string, std::string>& options,
                                    int agents);

// "local", "ssh", "slurm", "mpirun", "emulated" (docs/launchers.md). Throws ConfigError for an unknown name.
std::unique_ptr<Launcher> createLauncher(const std::string& name, const std::map<std::string, std::string>& options);

}  // namespace fabcheck::launch
