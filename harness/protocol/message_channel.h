// A connection that carries whole JSON messages to one peer: what the controller and the agent
// talk through. AuthenticatedChannel (the real TCP link, authenticated with the run secret)
// implements it; InMemoryChannel (in_memory_channel.h) connects two ends in one process, so that
// the controller's and the agent's state machines can be tested against scripted peers.
//
// Contract (every implementation):
// - send() delivers one message or throws: TimeoutError when the peer does not take it within
//   `timeout_ns`, TransportError when the connection is closed (either side), ProtocolError when
//   the message cannot be sent (too large).
// - tryReceive() returns the next message, or nullopt when none arrived within `timeout_ns`
//   (0: do not wait). receive() is the same but throws TimeoutError naming the peer and `phase`.
//   A closed connection (either side) throws TransportError naming the peer and `phase`; a
//   message the channel refuses throws ProtocolError.
// - peer() names the other end in errors ("127.0.0.1:5555"); localAddress() is this end's IP
//   address (where an agent's data endpoints listen), empty once closed.
// - close() is idempotent and never throws. One thread uses a channel at a time.
// - readinessFd() is a descriptor that polls readable (or hung up) whenever tryReceive(0) may
//   make progress, for waiting on many channels at once (epoll); -1 when the channel has none
//   (in-memory ones) or is closed. A channel never holds a complete message it has not
//   returned while its descriptor polls idle.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace fabcheck::protocol {

class MessageChannel {
 public:
  virtual ~MessageChannel() = default;

  virtual void send(const nlohmann::json& message, int64_t timeout_ns) = 0;
  virtual std::optional<nlohmann::json> tryReceive(int64_t timeout_ns, std::string_view phase = {}) = 0;
  virtual nlohmann::json receive(int64_t timeout_ns, std::string_view phase = {});

  virtual const std::string& peer() const = 0;
  virtual std::string localAddress() const = 0;
  virtual bool isOpen() const = 0;
  virtual void close() noexcept = 0;
  virtual int readinessFd() const { return -1; }

 protected:
  MessageChannel() = default;
  MessageChannel(const MessageChannel&) = default;
  MessageChannel(MessageChannel&&) = default;
  MessageChannel& operator=(const MessageChannel&) = default;
  MessageChannel& operator=(MessageChannel&&) = default;
};

}  // namespace fabcheck::protocol
