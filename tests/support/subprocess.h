// Test support: run a real process with captured stdout/stderr and a hard timeout.
//
// Subprocess::start launches argv[0] (a path) with the arguments; output is collected in the
// background. Every wait has a deadline: waitExit() kills the process (SIGKILL) when it does
// not end in time and reports timed_out; the destructor kills and reaps whatever is still
// running, so a failing test never leaves processes behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace fabcheck::testing {

struct ExitStatus {
  int code = -1;          // exit code, or -1 when killed by a signal
  int signal = 0;         // the signal that ended it, if any
  bool timed_out = false;
};

class Subprocess {
 public:
  static Subprocess start(const std::vector<std::string>& argv);
  Subprocess(Subprocess&&) noexcept;
  Subprocess& operator=(Subprocess&&) = delete;
  ~Subprocess();

  pid_t pid() const { return pid_; }
  // Reads output until `needle` appears in stdout (true) or the timeout passes (false).
  bool waitForStdout(const std::string& needle, std::chrono::milliseconds timeout);
  bool waitForStderr(const std::string& needle, std::chrono::milliseconds timeout);
  // Waits for exit, collecting output; kills it at the timeout.
  ExitStatus waitExit(std::chrono::milliseconds timeout);
  void signal(int sig);
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  Subprocess() = default;
  void pump(int timeout_ms);  // reads whatever is available within timeout_ms
  bool waitFor(const std::string& stream, const std::string& needle, std::chrono::milliseconds timeout);
  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  std::string out_, err_;
  std::optional<ExitStatus> status_;
};

// Runs a command to completion (with a timeout) and returns status and output.
struct RunResult {
  ExitStatus status;
  std::string out, err;
};
RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace fabcheck::testing
