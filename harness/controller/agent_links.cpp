#include "harness/controller/agent_links.h"

#include <algorithm>

#include "generators/core/clock.h"
#include "harness/protocol/agent_messages.h"

namespace fabcheck::controller {

using nlohmann::json;

std::string AgentLinks::who(int a) const {
  return "agent " + std::to_string(a) + " (" + agents[a].host + ", " + agents[a].peer + ")";
}

void AgentLinks::sendJson(int a, json message, const std::string& phase) {
  protocol::setTestId(message, test_id);
  try {
    if (!channels[a]) throw TransportError("no control connection");
    channels[a]->send(message, step_timeout_ns);
  } catch (const Error& e) {
    throw TransportError(who(a) + " during " + phase + ": " + e.what());
  }
}

json AgentLinks::receiveJson(int a, std::string_view type, const std::string& phase, int64_t timeout_ns) {
  const int64_t deadline = monoNowNs() + timeout_ns;
  for (;;) {
    const int64_t left = deadline - monoNowNs();
    if (left <= 0) {
      throw TimeoutError(who(a) + " sent no '" + std::string(type) + "' within " +
                         std::to_string(timeout_ns / 1'000'000) + " ms during " + phase);
    }
    if (interrupt && interrupt->load()) throw Interrupted("interrupted during " + phase);
    json m;
    try {
      if (!channels[a]) throw TransportError("no control connection");
      // Short slices, so an interrupt ends a long test within about 100 ms.
      auto got = channels[a]->tryReceive(std::min<int64_t>(left, 100'000'000), phase);
      if (!got) continue;
      m = std::move(*got);
    } catch (const TimeoutError&) {
      continue;
    } catch (const Error& e) {
      throw TransportError(who(a) + " during " + phase + ": " + e.what());
    }
    if (protocol::testIdOf(m) != test_id) continue;  // stale: from an aborted test
    const std::string t = protocol::typeOf(m);
    if (t == protocol::ErrorMessage::kType) {
      std::string text;
      try {
        text = protocol::decode<protocol::ErrorMessage>(m).message;
      } catch (const ProtocolError&) {
      }
      throw Error(text.empty() ? std::string("agent error") : text);
    }
    if (t != type) {
      throw ProtocolError(who(a) + " sent '" + t + "' during " + phase + "; expected '" + std::string(type) + "'");
    }
    return m;
  }
}

void AgentLinks::markLost(int a, const std::string& why) {
  agents[a].lost = true;
  agents[a].lost_reason = why;
  if (channels[a]) channels[a]->close();
}

}  // namespace fabcheck::controller
