// The "local" launcher: every agent is a child process of this process, on this host.
//
// Contract (on top of launcher.h):
// - One agent per slot of each host entry, in order, numbered from 0:
//   argv = {spec.binary, "agent", spec.agent_args..., "--agent-id", "<i>"}. The host names are
//   only labels here (normally one entry "localhost" with slots=N); everything runs locally.
// - Options (launcher_options): identities_per_process=K (default 1; 1 to 65536) starts
//   ceil(N/K) processes, each serving K consecutive agent ids (the last the rest) with
//   `--agent-id <first> --identities <k>` (agent.h: one thread and control connection per id, no
//   log lines in results). host_counters=off adds `--host-counters off` (no host counters read
//   around tests; for measuring the controller with thousands of agents). Anything else, or a
//   bad value → ConfigError "local launcher: option '<key>' ..." naming the value.
// - exited() names every agent id of an ended process (each with that process's status).
// - Environment: this process's environment plus spec.env (the run secret travels there, never
//   in argv). stdout goes to /dev/null; stderr is read continuously and its last lines kept.
// - Each agent runs in its own process group; stop(grace) sends SIGTERM to every group, SIGKILL
//   after `grace_ns`, and reaps every agent (bounded; see process::ChildSet::stop).
// - exited() returns every agent that has ended so far (cumulative, in agent-id order).
// - launch() once per launcher; a binary that cannot be started → LaunchError naming it, and
//   the agents already started are stopped.
#pragma once

#include <map>
#include <memory>
#include <utility>
#include <string>
#include <vector>

#include "harness/launch/child_process_launcher.h"

namespace fabcheck::launch {

struct LocalOptions {
  int identities_per_process = 1;
  bool host_counters = true;
};

// Throws ConfigError as above.
LocalOptions parseLocalOptions(const std::map<std::string, std::string>& options);

// The processes for `agents` agent ids 0..agents-1 with K per process: {first id, count} each.
std::vector<std::pair<int, int>> identityBlocks(int agents, int identities_per_process);

class LocalLauncher : public ChildProcessLauncher {
 public:
  explicit LocalLauncher(LocalOptions options = {}) : options_(options) {}
  ~LocalLauncher() override;
  std::string name() const override { return "local"; }
  void launch(const LaunchSpec& spec) override;
  void stop(int64_t grace_ns = 2'000'000'000) noexcept override;

 private:
  LocalOptions options_;
};

// Shared by the launchers: "<binary> agent <args...> --agent-id <id>".
std::vector<std::string> agentArgv(const LaunchSpec& spec, int agent_id);
// Throws LaunchError unless every key is an environment name (and, with `single_line`, no value
// holds a newline).
void checkEnv(const std::map<std::string, std::string>& env, bool single_line);

}  // namespace fabcheck::launch
