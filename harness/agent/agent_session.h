// An agent's session with its controller, once registered: answers clock probes and runs one
// test round after another (test_run.h does the data plane) until the controller says bye.
//
// Contract:
// - serve() returns 0 after "bye" (or when `stop` is set), 1 when the controller refused this
//   agent ("error" between tests) or said nothing for options.idle_timeout_ns — or for the
//   longer quiet its "admitted" announced (at most an hour); it throws when
//   the channel fails (TransportError, ProtocolError from the channel).
// - A round: setup → endpoints → connect → ready → start → sent → finish → results, each wait
//   bounded by options.step_timeout_ns (plus the run time where the round runs); a wait for the
//   controller's next word ("connect", "start", "finish") by that plus the controller's own step
//   timeout when the setup carries it (the controller hears every agent before it answers any,
//   within that deadline). Replies carry
//   the setup's test id; messages of another test id are ignored.
// - A plan beyond options.limits is refused with an "error" "agent <id> on <host> refuses the
//   plan: <why>"; a setup it cannot carry out with "agent <id> on <host> cannot set up: <why>";
//   a failure later in the round with "agent <id> on <host>: <why>". Then the session waits for
//   the next round: the controller decides.
// - "abort" of the current test ends the round at once (flows, accepts and a collective rank
//   stopped) and the session waits for the next message — also while the flows run: the
//   channel is watched then too (poll on its descriptor; 20 ms slices for in-memory ones), and a
//   heartbeat goes out every
//   Setup::heartbeat_interval_ns (when the controller asked for them) until "sent".
// - Each round's "results" carry clock_step_ns: the largest step of this host's CLOCK_REALTIME
//   since the controller last measured it, seen through the round (clock_watch.h).
// - The controller's connection closing at any step (it died, or was killed) stops the flows
//   and ends serve() with TransportError as soon as the close arrives: an agent does not outlive
//   its controller.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "harness/agent/agent.h"
#include "harness/agent/clock_watch.h"
#include "harness/agent/test_run.h"
#include "harness/protocol/agent_messages.h"
#include "harness/protocol/message_channel.h"

namespace fabcheck::agent {

class AgentSession {
 public:
  // `channel`, `options` and `stop` must outlive the session.
  AgentSession(protocol::MessageChannel& channel, const AgentOptions& options, const std::atomic<bool>& stop);

  int serve();
  // True once any message from the controller arrived (its "admitted", a probe, a refusal).
  bool heardFromController() const { return heard_; }

 private:
  // One round; a refusal or failure is reported to the controller, an abort ends it quietly.
  void runTest(const nlohmann::json& setup_message);
  void runTestSteps(const protocol::msg::Setup& setup);
  // Builds this round's TestRun, or replies with the refusal and returns null.
  std::unique_ptr<TestRun> prepare(const protocol::msg::Setup& setup);
  void runStreams(TestRun& run);
  void awaitSenders(TestRun& run);
  void beatIfDue();  // a heartbeat to the controller when one is due (Setup::heartbeat_interval_ns)
  void watchControl(int64_t wait_ns, std::string_view phase);
  void runCollective(TestRun& run, const protocol::CollectiveSetup& setup);
  void watchCollective(CollectiveRank& rank, const protocol::CollectiveSetup& setup, int64_t start_mono);
  void answerTime(const nlohmann::json& request);
  int64_t admittedQuiet(const nlohmann::json& admitted) const;  // how long to wait for the controller now

  template <class M>
  void reply(const M& message) {
    replyJson(protocol::encode(message));
  }
  void replyJson(nlohmann::json message);
  void sendError(const std::string& message);
  // "agent 3 on node7"
  std::string self() const;

  // The next message of this test, as M; skips stale ones, turns an abort into TestAborted.
  template <class M>
  M expect(int64_t timeout_ns, std::string_view phase) {
    return protocol::decode<M>(expectJson(M::kType, timeout_ns, phase));
  }
  nlohmann::json expectJson(std::string_view type, int64_t timeout_ns, std::string_view phase);

  protocol::MessageChannel& ch_;
  const AgentOptions& o_;
  const std::atomic<bool>& stop_;
  bool heard_ = false;  // a message from the controller has arrived
  int64_t test_id_ = 0;
  int64_t controller_wait_ns_ = 0;  // this test: how long to wait for the controller's next word
  int64_t heartbeat_ns_ = 0;        // this test: how often to send a heartbeat while flows run; 0: never
  int64_t next_beat_ns_ = 0;        // monotonic time of the next heartbeat
  ClockWatch clock_;                // steps of our CLOCK_REALTIME, reported with each round's results
};

}  // namespace fabcheck::agent
