// Shared by the protocol fuzz targets: decodes one received JSON message as every message type of
// both control protocols (the runner's agent_messages.h and the pair tool's pair_messages.h).
//
// Contract: for each message struct M, a copy of `message` (when it is an object) gets M's "type"
// and our "version" forced in, so the fuzzer reaches the field decoding, and is decoded with
// protocol::decode<M>; then the untouched message goes through expectMessage() as a receiver
// would. A decoded message is encoded and decoded again, which must succeed (what a peer sends
// back must stay valid). Only fabcheck::Error escapes as a refusal (fuzz_input.h).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
#include "harness/pair/pair_messages.h"
#include "harness/protocol/agent_messages.h"
#include "harness/protocol/control_channel.h"
#include "harness/protocol/message_codec.h"

namespace fabcheck::fuzz {

template <class M>
void decodeAs(const nlohmann::json& message) {
  try {
    protocol::expectMessage(message, M::kType, "fuzz-peer", "fuzzing");
  } catch (const fabcheck::Error&) {
  }
  if (!message.is_object()) return;
  nlohmann::json forced = message;
  forced["type"] = std::string(M::kType);
  forced["version"] = protocol::kProtocolVersion;
  M decoded;
  try {
    decoded = protocol::decode<M>(forced);
  } catch (const fabcheck::Error&) {
    return;
  }
  // What was accepted re-encodes to a message that decodes again.
  const nlohmann::json again = protocol::encode(decoded);
  (void)protocol::decode<M>(nlohmann::json::parse(again.dump()));
}

template <class... M>
void decodeAsEach(const nlohmann::json& message) {
  (decodeAs<M>(message), ...);
}

inline void decodeEveryMessage(const nlohmann::json& message) {
  namespace a = protocol::msg;
  namespace p = pair::msg;
  decodeAsEach<a::Register, a::Admitted, a::TimeRequest, a::TimeReply, a::Setup, a::Endpoints, a::Connect,
               a::Ready, a::Start, a::Sent, a::Finish, a::Results, a::Bye, a::Abort, protocol::ErrorMessage>(message);
  decodeAsEach<p::Hello, p::Welcome, p::Test, p::Endpoints, p::Ready, p::Start, p::Started, p::Stop, p::Results,
               p::Bye>(message);
  (void)protocol::testIdOf(message);
}

}  // namespace fabcheck::fuzz
