// The "local" launcher: every agent is a child process of this process, on this host.
//
// Contract (on top of launcher.h):
// - One agent per slot of each host entry, in order, numbered from 0:
//   argv = {spec.binary, "agent", spec.agent_args..., "--agent-id", "<i>"}. The host names are
//   only labels here (normally one entry "localhost" with slots=N); everything runs locally.
// - Environment: this process's environment plus spec.env (the run secret travels there, never
//   in argv). stdout goes to /dev/null; stderr is read continuously and its last lines kept.
// - Each agent runs in its own process group; stop(grace) sends SIGTERM to every group, SIGKILL
//   after `grace_ns`, and reaps every agent (bounded; see process::ChildSet::stop).
// - exited() returns every agent that has ended so far (cumulative, in agent-id order).
// - launch() once per launcher; a binary that cannot be started → LaunchError naming it, and
//   the agents already started are stopped.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness/launch/child_process_launcher.h"

namespace fabcheck::launch {

class LocalLauncher : public ChildProcessLauncher {
 public:
  LocalLauncher() = default;
  ~LocalLauncher() override;
  std::string name() const override { return "local"; }
  void launch(const LaunchSpec& spec) override;
  void stop(int64_t grace_ns = 2'000'000'000) noexcept override;
};

// Shared by the launchers: "<binary> agent <args...> --agent-id <id>".
std::vector<std::string> agentArgv(const LaunchSpec& spec, int agent_id);
// Throws LaunchError unless every key is an environment name (and, with `single_line`, no value
// holds a newline).
void checkEnv(const std::map<std::string, std::string>& env, bool single_line);

}  // namespace fabcheck::launch
