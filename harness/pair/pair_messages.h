// The pair tool's control protocol (over harness/protocol's MessageChannel), one struct per
// message, encoded with harness/protocol/message_codec.h:
//
// Every message is authenticated with the shared secret (pair_auth.h) unless both ends run --no-auth.
//
//   client → server: hello {fabcheck_version, host, boot_id}
//   server → client: welcome {fabcheck_version, host, boot_id, session}
//                    (or error {message}: the server is busy)
//   client → server: test {params, transport, transport_options, busy_poll, session}
//   server → client: endpoints {endpoints: [EndpointDesc...] (by flow index, server-received flows)}
//                    (or error {message})
//   server → client: ready                  (every data connection accepted)
//   client → server: start
//   server → client: started
//   client → server: stop {senders: [SenderResult], interrupted}
//   server → client: results {senders, receivers, responders, errors}
//   client → server: bye
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "generators/engine/flow_results.h"
#include "generators/patterns/pattern.h"
#include "generators/transport/transport.h"
#include "harness/protocol/control_channel.h"
#include "harness/protocol/message_channel.h"
#include "harness/protocol/message_codec.h"

namespace fabcheck::pair::msg {

using protocol::ErrorMessage;

// Who is at either end (hello from the client, welcome from the server); all optional.
struct Hello {
  static constexpr std::string_view kType = "hello";
  std::string fabcheck_version, host, boot_id;
  static auto fields() {
    using protocol::wire::optional;
    return std::tuple{optional("fabcheck_version", &Hello::fabcheck_version), optional("host", &Hello::host),
                      optional("boot_id", &Hello::boot_id)};
  }
};
// `session`: a random id the server picks per connection; the client's every "test" echoes it, so
// that a recorded authenticated session cannot be replayed on a new connection.
struct Welcome {
  static constexpr std::string_view kType = "welcome";
  std::string fabcheck_version, host, boot_id, session;
  static auto fields() {
    using protocol::wire::optional;
    return std::tuple{optional("fabcheck_version", &Welcome::fabcheck_version), optional("host", &Welcome::host),
                      optional("boot_id", &Welcome::boot_id), optional("session", &Welcome::session)};
  }
};

struct Test {
  static constexpr std::string_view kType = "test";
  patterns::PatternParams params;
  std::string transport;
  transport::TransportOptions transport_options;
  // The client's --busy-poll: the server's responder spins too (a latency test, as perftest's).
  std::optional<bool> busy_poll;
  std::string session;  // the welcome's session id
  static auto fields() {
    using protocol::wire::optional, protocol::wire::required;
    return std::tuple{required("params", &Test::params), required("transport", &Test::transport),
                      required("transport_options", &Test::transport_options),
                      optional("busy_poll", &Test::busy_poll), optional("session", &Test::session)};
  }
};

struct Endpoints {
  static constexpr std::string_view kType = "endpoints";
  std::vector<transport::EndpointDesc> endpoints;
  static auto fields() { return std::tuple{protocol::wire::required("endpoints", &Endpoints::endpoints)}; }
};

struct Ready {
  static constexpr std::string_view kType = "ready";
};
struct Start {
  static constexpr std::string_view kType = "start";
};
struct Started {
  static constexpr std::string_view kType = "started";
};

struct Stop {
  static constexpr std::string_view kType = "stop";
  std::vector<engine::SenderResult> senders;
  bool interrupted = false;
  static auto fields() {
    return std::tuple{protocol::wire::required("senders", &Stop::senders),
                      protocol::wire::optional("interrupted", &Stop::interrupted)};
  }
};

struct Results {
  static constexpr std::string_view kType = "results";
  std::vector<engine::SenderResult> senders;
  std::vector<engine::ReceiverResult> receivers;
  std::vector<engine::ResponderResult> responders;
  std::vector<std::string> errors;
  static auto fields() {
    using protocol::wire::required;
    return std::tuple{required("senders", &Results::senders), required("receivers", &Results::receivers),
                      required("responders", &Results::responders), required("errors", &Results::errors)};
  }
};

struct Bye {
  static constexpr std::string_view kType = "bye";
};

// `message` as M: protocol::expectMessage's checks (an "error" from the peer becomes
// fabcheck::Error "<peer>: <its message>"), then decode; a malformed message is ProtocolError
// "<peer> while <phase>: malformed '<type>' message: ...".
template <class M>
M expect(const nlohmann::json& message, const std::string& peer, std::string_view phase) {
  protocol::expectMessage(message, M::kType, peer, phase);
  try {
    return protocol::decodeStrict<M>(message);
  } catch (const ProtocolError& e) {
    throw ProtocolError(peer + " while " + std::string(phase) + ": " + e.what());
  }
}

}  // namespace fabcheck::pair::msg
