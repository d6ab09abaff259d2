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
//
// Many identities in one process (measuring the controller at thousands of agents on a few
// cores, issue 18): with `identities` K > 1 the process serves agent ids agent_id ..
// agent_id+K-1, each on its own thread with its own control connection, AgentSession and data
// plane (real sockets; the loop transport reaches only agents within one process). What they
// share: the host facts of the registration (interfaces, LLDP neighbour; gathered once per
// process and data address, not per identity), and the process-wide log — so in this mode the
// results carry NO log lines (log::linesSince cannot tell the identities' lines apart); they go
// to stderr only. Host counters are per identity unless `host_counters` is off (agent
// --host-counters off), which skips reading and sampling them (the results say "off").
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
  int identities = 1;               // serve agent ids agent_id .. agent_id+identities-1 (see above)
  bool host_counters = true;        // read this host's counters around each test
  bool send_log = true;             // log lines with each test's results; off for identities > 1
  std::string secret_file;          // else FABCHECK_RUN_SECRET(_FILE) from the environment
  std::string data_address;         // data flows listen here; empty: the control connection's local address
  SafetyLimits limits;
  // The registration deadline, from start: a control connection refused, reset, unanswered, or
  // closed before the controller said anything (it dropped us unread) is retried with capped
  // backoff (20 ms doubling to 1 s; the first failure logged once) until then; then exit 3 with
  // "gave up registering with the controller at HOST:PORT after 10.0 s: <last failure>".
  // `fabcheck agent --register-deadline`.
  int64_t connect_timeout_ns = 10'000'000'000;
  int64_t idle_timeout_ns = 600'000'000'000;  // no word from the controller for this long: exit
  int64_t step_timeout_ns = 30'000'000'000;   // each step of a test's set-up, each reply sent
};

// Runs until the controller says bye, the connection ends, or `stop`. Returns the exit code:
// 0 after bye, 1 on a runtime error (logged), 3 when the controller cannot be reached. With
// identities > 1: runs them all and returns the highest of their codes (after every one ended).
int runAgent(const AgentOptions& options, const std::atomic<bool>& stop);

}  // namespace fabcheck::agent
