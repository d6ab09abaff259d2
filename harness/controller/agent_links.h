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
// - markLost(a, why) records why the agent is lost and closes its channel.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
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

  void markLost(int a, const std::string& why);

 private:
  void sendJson(int a, nlohmann::json message, const std::string& phase);
  nlohmann::json receiveJson(int a, std::string_view type, const std::string& phase, int64_t timeout_ns);
};

}  // namespace fabcheck::controller
