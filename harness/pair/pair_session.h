// One client's session on a pair server (pair_server.h), after its hello was authenticated:
// welcome, then tests until the client says bye, goes silent or the server stops.
//
// Contract:
// - Each test is checked against the server's limits (pair_limits.h) and refused with an "error"
//   naming the value and the limit; the session goes on. A test whose "session" is not this
//   session's id (a replayed request) is refused and ends the session.
// - Data endpoints listen on the address the client reached us at and accept a peer only from
//   the client's own IP address (ListenOptions::peer_address; udp also needs the endpoint's token).
// - A client silent for config.idle_timeout_ns between tests is sent an "error" and dropped.
// - This side's flows stop at runLimitNs() + the control timeout even when the client never
//   says stop.
// - Throws (ProtocolError, TransportError, TimeoutError) when the session ends in error; the
//   caller logs it with the client's address.
#pragma once

#include <atomic>
#include <string>

#include "harness/pair/pair_messages.h"
#include "harness/pair/pair_types.h"
#include "harness/protocol/message_channel.h"

namespace fabcheck::pair {

// The IP address of "127.0.0.1:5555" / "[::1]:5555": "127.0.0.1" / "::1".
std::string hostOfPeer(const std::string& peer);

void runSession(const ServerConfig& config, protocol::MessageChannel& ch, const msg::Hello& hello,
                const std::atomic<bool>& stop);

}  // namespace fabcheck::pair
