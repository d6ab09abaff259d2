// Runs an external command (tc, ethtool) for the counter sources, with a timeout.
//
// Contract: the runner runs argv (argv[0] looked up on PATH when it has no '/') to completion
// or kills it at `timeout`. A program that does not exist is reported as `not_found` (so the
// source can say "tc is not installed"), not thrown. Other spawn failures throw fabcheck::Error.
// Tests inject a fake runner that returns captured output.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace fabcheck::counters {

struct CommandResult {
  bool not_found = false;  // argv[0] is not an executable on PATH
  bool timed_out = false;
  int exit_code = -1;      // -1 when killed by a signal or not run
  std::string out;         // stdout
  std::string err;         // the end of stderr
};

using CommandRunner = std::function<CommandResult(const std::vector<std::string>& argv, std::chrono::milliseconds timeout)>;

// The real runner (posix_spawn, through harness/process/process.h).
CommandRunner systemCommandRunner();

// "tc -s -j qdisc show" — argv joined with spaces, for messages.
std::string describeCommand(const std::vector<std::string>& argv);

}  // namespace fabcheck::counters
