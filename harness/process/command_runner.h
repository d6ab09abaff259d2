// CommandRunner: the seam between the harness and the system tools it runs (ip, tc, sysctl,
// ethtool): an argv, never a shell, run to completion with a timeout. The counter sources
// (harness/counters) and the emulated fabric (harness/fabric) both run their commands through
// it; tests give them a fake that returns captured output and records what was run.
//
// Contract:
// - run() never throws for a command that starts and fails: it returns the exit code (or -1 and
//   timed_out / the signal) with stdout and the end of stderr. A program that does not exist
//   (argv[0], looked up on PATH when it has no '/') is `not_found`, not thrown, so each caller
//   says it in its own terms (a counter source: "not installed"; the fabric: FabricError).
//   Only a program that exists but cannot be started throws fabcheck::Error naming the command.
// - Every command has a timeout (nanoseconds); one that runs past it is killed (SIGKILL) and
//   reported as timed_out.
// - SystemCommandRunner is the real one: posix_spawn through runToCompletion (process.h), in
//   the C locale (LC_ALL=C) so tools neither translate their output nor their messages.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fabcheck::process {

struct CommandResult {
  bool not_found = false;  // argv[0] is not an executable (on PATH); nothing ran
  bool timed_out = false;
  int exit_code = 0;       // -1 when killed by a signal, timed out or not found
  std::string out;         // stdout
  std::string err;         // the last lines of stderr, joined with '\n', trailing blanks cut
  bool ok() const { return exit_code == 0 && !timed_out && !not_found; }
  // The last non-empty stderr line, else "timed out", "not found", "killed by a signal" or
  // "exit code N".
  std::string why() const;
};

class CommandRunner {
 public:
  static constexpr int64_t kDefaultTimeoutNs = 10'000'000'000;
  virtual ~CommandRunner() = default;
  virtual CommandResult run(const std::vector<std::string>& argv, int64_t timeout_ns = kDefaultTimeoutNs) = 0;
};

class SystemCommandRunner : public CommandRunner {
 public:
  CommandResult run(const std::vector<std::string>& argv, int64_t timeout_ns = kDefaultTimeoutNs) override;
};

// "ip -n fc-x-h0 link set dev eth0 up": argv joined with spaces, for messages.
std::string commandText(const std::vector<std::string>& argv);

}  // namespace fabcheck::process
