// AgentCluster: agents launched once and kept for several runs (the pytest session fixture, a
// REPL). Runner::run() is start + runTests + stop in one call; this splits it.
//
// Contract:
// - start(): control listener, launch one agent per slot, wait for registration (naming agents
//   that died or never came; `interrupt` aborts the wait), measure clocks. Each launch may take
//   up to the register timeout (LaunchSpec::start_timeout_ns, at least the launchers' 30 s). With
//   RunOptions::min_agents below the agent count, agents that cannot come are dropped instead
//   (runner.h; Controller::acceptAtLeast) and agents() lists them with dropped set. Throws
//   LaunchError/TimeoutError/TransportError; on a throw everything started is stopped again.
//   Calling start() twice is a ConfigError. It first raises the soft open-file limit to the
//   hard one; a limit still below agents+64 is a ConfigError naming both numbers.
// - runTests(): runs tests in order on the registered agents, as Runner::run() does (an
//   infrastructure problem makes that test an error and the run goes on; stop_on_error ends it
//   early; `interrupt` ends it within ~100 ms, the running test becomes an error). An agent lost
//   in one call stays lost for later calls. Not re-entrant: one call at a time.
// - stop(): bye to every agent, stop the launcher (SIGTERM, then SIGKILL). Idempotent; the
//   destructor calls it.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "harness/runner/runner.h"

namespace fabcheck {

class AgentCluster {
 public:
  explicit AgentCluster(RunOptions options);
  ~AgentCluster();
  AgentCluster(const AgentCluster&) = delete;
  AgentCluster& operator=(const AgentCluster&) = delete;

  void start(const std::atomic<bool>* interrupt = nullptr);
  RunResult runTests(const std::vector<model::TestSpec>& tests, const std::atomic<bool>* interrupt = nullptr,
                     const std::function<void(const model::TestOutcome&)>& on_test = {},
                     const std::function<void(size_t, const model::TestSpec&)>& on_test_start = {});
  void stop() noexcept;

  bool running() const noexcept;
  const std::vector<launch::HostEntry>& hosts() const noexcept { return hosts_; }
  const std::vector<model::AgentInfo>& agents() const;   // empty before start()
  int64_t launchToReadyNs() const noexcept { return launch_to_ready_ns_; }
  const RunOptions& options() const noexcept { return options_; }

 private:
  struct Impl;
  RunOptions options_;
  std::vector<launch::HostEntry> hosts_;
  std::unique_ptr<Impl> impl_;
  int64_t launch_to_ready_ns_ = 0;
};

// The executable agents run when RunOptions.binary is empty: this process's own (/proc/self/exe).
std::string selfExecutablePath();

}  // namespace fabcheck
