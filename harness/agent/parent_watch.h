// An agent started by a local controller dies with it: the local launcher puts its own pid in
// the agent's environment (kParentPidVariable), and the agent asks the kernel for SIGTERM when
// its parent exits (PR_SET_PDEATHSIG) — SIGTERM sets the agent's stop flag, which ends its
// flows and its session. This covers the time the control channel cannot (before the agent has
// registered); afterwards the agent also sees the controller's connection close
// (agent_session.h).
//
// Contract: followParent() does nothing and returns true when the variable is absent. With it
// set to a pid it arms the signal and returns true while that pid is still our parent; false
// (the parent died before the signal was armed) when it is not, or when the value is not a pid
// (after logging one line naming the variable and its value). The kernel's parent-death signal
// follows the parent *thread* that spawned us, so the launchers (local, emulated) set the
// variable only when they run on the process's main thread (the CLI's); agents launched from
// another thread (the Python bindings' worker, which ends before the cluster does) rely on
// their control connection alone.
#pragma once

namespace fabcheck::agent {

inline constexpr const char* kParentPidVariable = "FABCHECK_PARENT_PID";

bool followParent();

}  // namespace fabcheck::agent
