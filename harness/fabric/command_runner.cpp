#include "harness/fabric/command_runner.h"

#include <chrono>

#include "harness/counters/command_runner.h"

namespace fabcheck::fabric {

std::string CommandResult::why() const {
  if (timed_out) return "timed out";
  size_t end = err.find_last_not_of(" \t\r\n");
  if (end != std::string::npos) {
    const size_t nl = err.rfind('\n', end);
    return err.substr(nl == std::string::npos ? 0 : nl + 1, end + 1 - (nl == std::string::npos ? 0 : nl + 1));
  }
  return exit_code == -1 ? "killed by a signal" : "exit code " + std::to_string(exit_code);
}

std::string commandText(const std::vector<std::string>& argv) { return counters::describeCommand(argv); }

// The counters' runner (C locale, a missing program reported, not thrown) under the fabric's
// contract: a program that cannot run at all is a FabricError.
CommandResult SystemCommandRunner::run(const std::vector<std::string>& argv, int64_t timeout_ns) {
  static const counters::CommandRunner system = counters::systemCommandRunner();
  counters::CommandResult o;
  try {
    o = system(argv, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(timeout_ns)));
  } catch (const Error& e) {
    throw FabricError(std::string(e.what()) + " (scripts/install-deps.sh installs iproute2, procps and ethtool)");
  }
  if (o.not_found) {
    throw FabricError("cannot run `" + commandText(argv) + "`: " + argv.at(0) +
                      " is not installed (scripts/install-deps.sh installs iproute2, procps and ethtool)");
  }
  CommandResult r;
  r.exit_code = o.exit_code;
  r.timed_out = o.timed_out;
  r.out = std::move(o.out);
  r.err = std::move(o.err);
  return r;
}

}  // namespace fabcheck::fabric
