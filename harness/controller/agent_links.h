// The controller's links to its registered agents: who each agent is, its message channel, the
// id of the test in progress, and typed send/receive that attribute every failure to the agent.
//
// Contract:
// - send(a, m, phase) stamps the current test id and sends within step_timeout_ns; any failure
//   becomes TransportError "agent 1 (node2, 10.0.0.2:40000) during <phase>: <why>".
// - receive<M>(a, phase, timeout) returns the agent's next message of the current test, decoded
//   as M. It discards messages of other test ids (replies to an aborted test) and throws:
//   TimeoutError "<agent> sent no '<type>' within <ms> ms during <phase>"; Error with the agent's
//   own text when it sent "error"; ProtocolError "<agent> sent '<t>' during <phase>; expected
//   '<type>'" for another type, or "<agent> during <phase>: malformed ..." for a bad message;
//   TransportError "<agent> during <phase>: <why>" when the channel fails; Interrupted
//   "interrupted during <phase>" once the interrupt flag is set (checked every ~100 ms).
// - receiveEach<M>(parts, phase, timeout, current, on) takes the next message of the current
//   test from every agent in `parts` at once — whichever answers first is handled first — and
//   calls on(a, M) for each as it arrives (one thread, epoll over the agents' sockets; channels
//   without a socket, in tests, are read one by one). The whole phase has one deadline,
//   `timeout_ns` from the call, so it ends in bounded time whatever the number of agents. It
//   throws the errors receive() throws; at the deadline TimeoutError names the first silent agent
//   (in `parts` order) and how many others were silent. Before each message is handled and before
//   anything is thrown, `current` is set to the agent concerned, so the caller knows whom to blame.
//   With `silence_ns` > 0 (the run phase, whose agents send heartbeats) an agent not yet heard
//   that sent nothing at all — no heartbeat either — for `silence_ns` (counted from the call or
//   its last message) ends the phase at once: TimeoutError "<agent> sent nothing within <ms> ms
//   during <phase> ...". A frozen agent is so named within `silence_ns` of its last heartbeat
//   (checked every ~100 ms on the epoll path), however long the phase's deadline.
// - "heartbeat" messages (agent_messages.h) are never handed to the caller: they only count as
//   having heard the agent.
// - markLost(a, why) records why the agent is lost and closes its channel.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
#include "harness/controller/controller_clock.h"
#include "harness/model/agent_info.h"
#include "harness/protocol/message_channel.h"
#include "harness/protocol/message_codec.h"

namespace fabcheck::controller {

// The run was interrupted (Ctrl-C): not the agent's fault.
class Interrupted : public Error {
 public:
  using Error::Error;
};

struct AgentLinks {
  std::vector<model::AgentInfo> agents;
  std::vector<std::unique_ptr<protocol::MessageChannel>> channels;  // by agent id; null: none
  int64_t step_timeout_ns = 30'000'000'000;
  int64_t test_id = 0;
  const std::atomic<bool>* interrupt = nullptr;
  ControllerClock clock;  // the agents' clock offsets are from it; start instants are set on it

  int count() const { return static_cast<int>(agents.size()); }
  // "agent 1 (node2, 10.0.0.2:40000)"
  std::string who(int a) const;

  template <class M>
  void send(int a, const M& message, const std::string& phase) {
    sendJson(a, protocol::encode(message), phase);
  }

  template <class M>
  M receive(int a, const std::string& phase, int64_t timeout_ns) {
    const nlohmann::json m = receiveJson(a, M::kType, phase, timeout_ns);
    try {
      return protocol::decode<M>(m);
    } catch (const ProtocolError& e) {
      throw ProtocolError(who(a) + " during " + phase + ": " + e.what());
    }
  }

  template <class M, class F>
  void receiveEach(const std::vector<int>& parts, const std::string& phase, int64_t timeout_ns, int& current,
                   F&& on, int64_t silence_ns = 0) {
    receiveEachJson(parts, M::kType, phase, timeout_ns, silence_ns, current, [&](int a, nlohmann::json&& m) {
      M decoded;
      try {
        decoded = protocol::decode<M>(m);
      } catch (const ProtocolError& e) {
        throw ProtocolError(who(a) + " during " + phase + ": " + e.what());
      }
      on(a, std::move(decoded));
    });
  }

  void markLost(int a, const std::string& why);

 private:
  using JsonHandler = std::function<void(int, nlohmann::json&&)>;
  void receiveEachJson(const std::vector<int>& parts, std::string_view type, const std::string& phase,
                       int64_t timeout_ns, int64_t silence_ns, int& current, const JsonHandler& on);
  // Throws TimeoutError for the first agent of `parts` not yet `done` that was heard last (any
  // message of this test, heartbeats included; or the phase began, `since`) over `silence_ns` ago.
  void throwIfSilent(const std::vector<int>& parts, const std::vector<char>& done, int64_t since,
                     int64_t silence_ns, const std::string& phase, int& current) const;
  std::vector<int64_t> heard_ns_;  // by agent id: when a message of the current test last came
  // One non-waiting (or up to `wait_ns`) look at agent a's channel: its message of `type` in the
  // current test, or nullopt. Stale messages are skipped; errors as receive().
  std::optional<nlohmann::json> takeMessage(int a, std::string_view type, const std::string& phase, int64_t wait_ns);
  [[noreturn]] void throwSilent(const std::vector<int>& silent, std::string_view type, const std::string& phase,
                                int64_t timeout_ns, int& current) const;
  void sendJson(int a, nlohmann::json message, const std::string& phase);
  nlohmann::json receiveJson(int a, std::string_view type, const std::string& phase, int64_t timeout_ns);
};

}  // namespace fabcheck::controller
