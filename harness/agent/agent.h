// `fabcheck agent`: executes its part of the plan on one node.
//
// The agent opens no listening control port: it connects back to the controller, registers
// (agent id, host facts), answers clock probes, and for each test: sets up its data endpoints,
// reports them, connects to its peers' endpoints, runs its flows through engine::FlowSet at the
// controller's absolute start time, and returns its results. It refuses plans beyond the safety
// limits it was launched with, so a mistaken suite cannot flood a production fabric.
//
// The session with the controller (one test after another) is agent_session.h; one test's data
// plane is test_run.h. Messages (controller → agent / agent → controller), see
// harness/protocol/agent_messages.h:
//   register → (time ↔ time)* → { setup → endpoints → connect → ready → start → sent →
//   finish → results }* → bye
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/agent/safety_limits.h"

namespace fabcheck::agent {

struct AgentOptions {
  std::string controller_host = "127.0.0.1";
  uint16_t controller_port = 0;
  int agent_id = 0;
  std::string secret_file;          // else FABCHECK_RUN_SECRET(_FILE) from the environment
  std::string data_address;         // data flows listen here; empty: the control connection's local address
  SafetyLimits limits;
  int64_t connect_timeout_ns = 10'000'000'000;
  int64_t idle_timeout_ns = 600'000'000'000;  // no word from the controller for this long: exit
  int64_t step_timeout_ns = 30'000'000'000;   // each step of a test's set-up, each reply sent
};

// Runs until the controller says bye, the connection ends, or `stop`. Returns the exit code:
// 0 after bye, 1 on a runtime error (logged), 3 when the controller cannot be reached.
int runAgent(const AgentOptions& options, const std::atomic<bool>& stop);

}  // namespace fabcheck::agent
