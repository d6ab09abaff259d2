#include "harness/agent/parent_watch.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "generators/core/log.h"

namespace fabcheck::agent {

bool followParent() {
  const char* v = std::getenv(kParentPidVariable);
  if (!v) return true;
  const std::string text = v;
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) {
    log::error("{} is '{}'; expected the pid of the controller that launched this agent", kParentPidVariable, text);
    return false;
  }
  if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) {
    log::warn("cannot ask for a signal when the controller exits (prctl PR_SET_PDEATHSIG failed)");
  }
  // The parent may have died before the signal was armed: then we are someone else's child.
  if (getppid() != static_cast<pid_t>(std::stol(text))) {
    log::error("the controller (pid {}) that launched this agent is gone; exiting", text);
    return false;
  }
  return true;
}

}  // namespace fabcheck::agent
