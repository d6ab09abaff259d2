// What the launchers that run agents as local child processes share (local runs the agent
// itself; ssh runs an ssh client per agent): the children, which agent each one is, the
// preconditions every launch checks, and reporting exits.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness/launch/launcher.h"
#include "harness/process/process.h"

namespace fabcheck::launch {

class ChildProcessLauncher : public Launcher {
 public:
  std::vector<AgentExit> exited() override;

 protected:
  struct Agent {
    int id = 0;
    std::string host;
    size_t child = 0;
  };

  // Throws LaunchError "<name> launcher: ..." unless this is the first launch, a binary is
  // given, there is at least one slot, and the environment is valid (see checkEnv).
  void checkSpec(const LaunchSpec& spec, bool single_line_env) const;
  // What exited() reports for an agent whose child ended. With status_via_shell_ (the child is
  // ssh or mpirun, which pass on a shell-style status), 128+N is read back as signal N.
  AgentExit agentExit(const Agent& agent, const process::ProcessExit& exit);

  bool status_via_shell_ = false;

  std::unique_ptr<process::ChildSet> children_;
  std::vector<Agent> agents_;
};

}  // namespace fabcheck::launch
