#include "harness/launch/child_process_launcher.h"

#include <map>
#include <optional>

#include "harness/launch/local_launcher.h"

namespace fabcheck::launch {

void ChildProcessLauncher::checkSpec(const LaunchSpec& spec, bool single_line_env) const {
  const std::string who = name() + " launcher";
  if (children_) throw LaunchError(who + ": launch() called twice; expected one launch per launcher");
  if (spec.binary.empty()) throw LaunchError(who + ": no agent binary given");
  if (totalSlots(spec.hosts) <= 0) throw LaunchError(who + ": no hosts (slots) to launch on");
  checkEnv(spec.env, single_line_env);
}

AgentExit ChildProcessLauncher::agentExit(const Agent& a, const process::ProcessExit& e) {
  AgentExit x{a.id, a.host, e.code, e.signal, children_->stderrTail(a.child)};
  if (status_via_shell_ && x.exit_code > 128 && x.exit_code <= 128 + 64) {  // the agent ended by signal N
    x.signal = x.exit_code - 128;
    x.exit_code = -1;
  }
  return x;
}

std::vector<AgentExit> ChildProcessLauncher::exited() {
  std::vector<AgentExit> out;
  if (!children_) return out;
  // Identities share a process: each child is polled once per call, however many agents it serves.
  std::map<size_t, std::optional<process::ProcessExit>> polled;
  for (const auto& a : agents_) {
    auto it = polled.find(a.child);
    if (it == polled.end()) it = polled.emplace(a.child, children_->poll(a.child)).first;
    if (it->second) out.push_back(agentExit(a, *it->second));
  }
  return out;
}

}  // namespace fabcheck::launch
