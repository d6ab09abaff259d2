// The seam between the fabric's plan and the system: runs one `ip`, `tc`, `sysctl` or `ethtool`
// command (an argv, never a shell) and returns its status and output.
//
// Contract:
// - run() never throws for a command that starts and fails: it returns the exit code (or -1 and
//   timed_out / the signal) with stdout and the last lines of stderr. It throws FabricError
//   only when the program cannot be started at all (not installed).
// - Every command has a timeout; a command that runs past it is killed (SIGKILL) and reported
//   as timed_out.
// - SystemCommandRunner is the real one (counters::systemCommandRunner(): posix_spawn, C
//   locale); tests use a recording fake to check which commands a plan runs and what it undoes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "generators/core/errors.h"

namespace fabcheck::fabric {

// The fabric could not be built, found or torn down. CLI exit code 3 (infrastructure).
class FabricError : public Error {
 public:
  using Error::Error;
};

// `down`/`status` of a fabric that is not up. CLI exit code 2.
class FabricNotFound : public FabricError {
 public:
  using FabricError::FabricError;
};

struct CommandResult {
  int exit_code = 0;      // -1 when killed by a signal or timed out
  bool timed_out = false;
  std::string out;        // stdout
  std::string err;        // last lines of stderr, joined with '\n'
  bool ok() const { return exit_code == 0 && !timed_out; }
  // The last non-empty stderr line, or "exit code N" / "timed out after ..." when there is none.
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

}  // namespace fabcheck::fabric
