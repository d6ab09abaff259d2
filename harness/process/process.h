// Child processes for the launchers: spawn with pipes, capture stderr, track PIDs, stop bounded.
//
// Contract:
// - ChildSet::spawn() starts argv[0] (looked up on PATH when it has no '/') with posix_spawn, in
//   its own process group (so signals reach its children too), with default signal dispositions
//   and an empty signal mask, and this process's environment plus `env` (entries in `env` win).
//   stdin is /dev/null, a socket we keep (kPipe: write with sendStdin(), EOF with closeStdin();
//   writes never raise SIGPIPE), or a file opened read-only. stdout goes to /dev/null unless
//   captured. Throws LaunchError naming argv[0] and the reason (e.g. "No such file or directory").
// - One background thread per ChildSet reads every child's stderr (and captured stdout) as it
//   comes, so a chatty child never blocks on a full pipe. The last kTailLines stderr lines (each
//   cut to kMaxLineBytes) are kept. A stderr line equal to `ready_line` is not kept; it sets
//   ready() instead (the ssh launcher's "started" signal).
// - poll() reaps with WNOHANG; after an exit it waits once (at most 200 ms) for the stderr pipe
//   to reach EOF so the tail holds the last words. Once reaped, a child's status is remembered and
//   its PID is never signalled again.
// - stop(): optionally waits `wait_first_ns` for children to end by themselves (the ssh launcher
//   closes stdin first), then SIGTERM to each live child's process group, waits `grace_ns`, then
//   SIGKILL, and waits at most 2 s more. Never blocks without a bound; idempotent; the destructor
//   calls stop(0, 0).
// - Not thread-safe for concurrent callers: one controlling thread calls spawn/poll/stop.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace fabcheck::process {

struct SpawnRequest {
  enum class Stdin { kNull, kPipe, kFile };
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;  // added to / overriding this process's environment
  Stdin stdin_mode = Stdin::kNull;
  std::string stdin_file;                  // for kFile
  bool capture_stdout = false;             // else /dev/null
  std::string ready_line;                  // empty: none
};

struct ProcessExit {
  int code = -1;   // exit code, -1 when killed by a signal
  int signal = 0;  // the signal that ended it
};

class ChildSet {
 public:
  static constexpr size_t kTailLines = 20;
  static constexpr size_t kMaxLineBytes = 400;
  static constexpr size_t kMaxStdoutBytes = 1 << 20;

  ChildSet();
  ~ChildSet();
  ChildSet(const ChildSet&) = delete;
  ChildSet& operator=(const ChildSet&) = delete;

  size_t spawn(const SpawnRequest& req);  // returns the child's index; throws LaunchError
  size_t size() const { return children_.size(); }
  pid_t pid(size_t i) const;

  // Non-blocking; false when the child's stdin is closed or not all of `data` fit.
  bool sendStdin(size_t i, std::string_view data);
  void closeStdin(size_t i);

  std::optional<ProcessExit> poll(size_t i);
  // SIGKILL to child i's process group unless it was reaped already.
  void kill(size_t i) noexcept;
  bool ready(size_t i) const;
  bool stderrEof(size_t i) const;
  bool stdoutEof(size_t i) const;  // true when stdout is not captured
  std::string stderrTail(size_t i) const;   // lines joined with '\n'
  std::string lastStderrLine(size_t i) const;
  std::string stdoutText(size_t i) const;

  // Waits until `pred` (called with the set's lock NOT held) is true or `timeout_ns` passes;
  // wakes whenever output arrives and at least every 10 ms. Returns pred's last value.
  template <typename Pred>
  bool waitUntil(int64_t timeout_ns, Pred pred);

  void stop(int64_t wait_first_ns, int64_t grace_ns) noexcept;

 private:
  struct Child {
    pid_t pid = -1;
    int stdin_fd = -1;
    int err_fd = -1;
    int out_fd = -1;
    std::string ready_line;
    bool ready = false;
    bool err_eof = false;
    bool out_eof = false;
    std::string partial;
    std::deque<std::string> tail;
    std::string out;
    std::optional<ProcessExit> exit;
    bool eof_awaited = false;  // poll() waited for the pipes' EOF after the exit
  };

  bool reap(size_t i) noexcept;  // waitpid WNOHANG; true once exited
  void pumpLoop();
  void addLine(Child& c, std::string line);
  void wake();
  bool waitChange(int64_t timeout_ns);  // true when notified
  void signalLive(int sig) noexcept;
  bool waitAllExited(int64_t timeout_ns) noexcept;

  std::vector<std::unique_ptr<Child>> children_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t generation_ = 0;  // bumped on every output / EOF, under mu_
  int wake_fds_[2] = {-1, -1};
  bool quit_ = false;
  std::thread pump_;
};

template <typename Pred>
bool ChildSet::waitUntil(int64_t timeout_ns, Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(timeout_ns);
  while (true) {
    if (pred()) return true;
    const int64_t left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    waitChange(left < 10'000'000 ? left : 10'000'000);
  }
}

// Runs a command to completion: output captured, killed (SIGKILL) at `timeout_ns`.
struct RunOutput {
  ProcessExit exit;
  bool timed_out = false;
  std::string out;
  std::string err_tail;
  std::string err_last_line;
};
RunOutput runToCompletion(SpawnRequest req, int64_t timeout_ns);

// True for a portable environment variable name: [A-Za-z_][A-Za-z0-9_]*.
bool isEnvName(std::string_view name);

// Renders an exit for messages: "exit code 3", "signal 9 (Killed)".
std::string describeExit(const ProcessExit& e);

}  // namespace fabcheck::process
