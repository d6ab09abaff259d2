// A control connection whose every message is authenticated with the per-run secret
// (run_secret.h): the controller<->agent link of the distributed runner.
//
// Contract:
// - Wire format, one ControlChannel frame per message:
//     [u32 big-endian length][32-byte MAC][JSON text]
//   where length counts the MAC and the JSON, and is at most kMaxMessageBytes, and
//     MAC = HMAC-SHA256(secret, direction || u64 big-endian counter || JSON text).
//   direction is 'A' for messages from the connecting side (the agent) and 'C' for messages from the
//   accepting side (the controller); counter is 0 for the first message in that direction, then 1, 2...
//   Nothing secret is sent. A replayed, reordered, dropped or reflected frame, a frame made with another
//   secret, or a tampered byte anywhere after the length, all fail authentication.
//   This layout must stay fixed across protocol versions so that a peer of another version is still
//   authenticated, then refused with both versions named.
// - Before authentication: the accepting side (controller, pair server) takes a first frame of at
//   most kMaxPreAuthFrameBytes (256 KiB; a registration or a hello is a few KiB); a longer length
//   header is refused at once, nothing allocated for it, and the channel closed ("message of N bytes
//   from P exceeds the 256 KiB limit before authentication"). Once a frame has authenticated the
//   limit is kMaxMessageBytes. The connecting side (agent, pair client) keeps kMaxMessageBytes.
// - receive() verifies the MAC (CRYPTO_memcmp, constant time) before it parses anything, then parses
//   the JSON, then checks that it is an object whose integer "version" equals kProtocolVersion.
//   It does not check "type": use expectMessage() (control_channel.h) for that.
// - Refusals throw ProtocolError (AuthenticationError for a bad MAC), one line naming the peer:
//   "message from 127.0.0.1:5555 failed authentication (wrong run secret, or tampered)",
//   "protocol version 2 from 127.0.0.1:5555 does not match ours (1)", the channel's oversize and
//   not-JSON errors. Each refusal is also logged (warn) with the peer address, so a server loop need
//   only drop the connection and go on serving the others. After an authentication failure, a frame
//   too short to carry a MAC, or an oversize frame, the channel is closed (the stream cannot be
//   trusted); after a not-JSON or wrong-version message from an authenticated peer it stays open.
// - The keyed HMAC context is built once per channel (the MAC algorithm fetched, the secret
//   keyed in) and re-initialised for each message; as the channel is used by one thread at a
//   time, so is its context.
// - Timeouts, transport errors, thread-safety and moves are as for ControlChannel. It is the
//   MessageChannel (message_channel.h) the controller and the agent talk through.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "generators/core/errors.h"
#include "harness/protocol/control_channel.h"
#include "harness/protocol/message_channel.h"
#include "harness/protocol/run_secret.h"

namespace fabcheck::protocol {

constexpr size_t kMacBytes = 32;  // HMAC-SHA256

// A message whose MAC does not verify: wrong secret, tampering, replay, reordering or reflection.
class AuthenticationError : public ProtocolError {
 public:
  using ProtocolError::ProtocolError;
};

class AuthenticatedChannel : public MessageChannel {
 public:
  enum class Role { kConnector, kAcceptor };  // agent, controller

  AuthenticatedChannel(ControlChannel channel, const RunSecret& secret, Role role);

  // Sends one message (compact JSON). ProtocolError if the MAC and the JSON together exceed
  // kMaxMessageBytes; otherwise as ControlChannel::send(). The counter advances only when the frame
  // was sent.
  void send(const nlohmann::json& msg, int64_t timeout_ns) override;

  // The next message, authenticated and of our protocol version (see the contract above).
  // TimeoutError / TransportError as ControlChannel::receive(); `phase` is named in errors.
  nlohmann::json receive(int64_t timeout_ns, std::string_view phase = {}) override;

  // As receive(), but nullopt when no complete frame arrived within the timeout.
  std::optional<nlohmann::json> tryReceive(int64_t timeout_ns, std::string_view phase = {}) override;

  const std::string& peer() const override { return channel_.peer(); }
  std::string localAddress() const override { return channel_.localAddress(); }
  bool isOpen() const override { return channel_.isOpen(); }
  void close() noexcept override { channel_.close(); }
  int readinessFd() const override { return channel_.fd(); }

  // The underlying channel, for tests that send hand-made frames. Frames sent or received through it
  // bypass the counters.
  ControlChannel& raw() { return channel_; }

 private:
  nlohmann::json acceptFrame(std::string frame, std::string_view phase);

  // HMAC-SHA256 keyed with the secret, one per channel (authenticated_channel.cpp).
  struct KeyedMac;
  struct KeyedMacDeleter {
    void operator()(KeyedMac* m) const noexcept;
  };
  std::array<unsigned char, kMacBytes> macOf(char direction, uint64_t counter, std::string_view payload);

  ControlChannel channel_;
  RunSecret secret_;
  std::unique_ptr<KeyedMac, KeyedMacDeleter> mac_;  // built at the first message
  char tx_direction_;
  char rx_direction_;
  uint64_t tx_counter_ = 0;
  uint64_t rx_counter_ = 0;
};

}  // namespace fabcheck::protocol
