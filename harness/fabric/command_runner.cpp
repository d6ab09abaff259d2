#include "harness/fabric/command_runner.h"

#include "harness/launch/launcher.h"
#include "harness/launch/process.h"

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

std::string commandText(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

CommandResult SystemCommandRunner::run(const std::vector<std::string>& argv, int64_t timeout_ns) {
  launch::SpawnRequest req;
  req.argv = argv;
  req.capture_stdout = true;
  launch::RunOutput o;
  try {
    o = launch::runToCompletion(req, timeout_ns);
  } catch (const launch::LaunchError& e) {
    throw FabricError("cannot run `" + commandText(argv) + "`: " + e.what() + " (scripts/install-deps.sh installs iproute2, procps and ethtool)");
  }
  CommandResult r;
  r.exit_code = o.exit.code;
  r.timed_out = o.timed_out;
  r.out = std::move(o.out);
  r.err = std::move(o.err_tail);
  return r;
}

}  // namespace fabcheck::fabric
