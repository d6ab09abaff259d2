// The control connection between two fabcheck processes (controller<->agent, gen client<->server):
// one TCP connection carrying length-prefixed JSON messages, like iperf3's control connection or
// perftest's out-of-band exchange.
//
// Contract:
// - Frame: a 4-byte big-endian length, then that many bytes of JSON text (UTF-8). A frame longer
//   than kMaxMessageBytes is refused on both sides (ProtocolError) and the connection is closed,
//   because the stream can no longer be trusted. A receiver's memory for a frame grows with the
//   bytes that arrived, not with the length the header announces.
// - Every operation that can wait takes a timeout in nanoseconds (CLOCK_MONOTONIC). A timeout of 0
//   (or less) means "do not wait": act only on what is ready now.
// - Errors are typed and one line, naming the peer ("127.0.0.1:5555", "[::1]:5555") and, where
//   given, the phase: TransportError (cannot connect, peer closed or reset the connection, even in
//   the middle of a frame), TimeoutError (nothing within the timeout), ProtocolError (oversize frame,
//   text that is not JSON, wrong message type or version). After a transport error or an oversize
//   frame the channel is closed and every later operation throws TransportError.
// - A receive that times out in the middle of a frame keeps what it read; the next receive continues
//   the same frame, so tryReceive() in a polling loop never loses or splits a message.
// - Plain POSIX sockets with poll (independent of Boost.Asio). Sockets are non-blocking, close-on-exec,
//   TCP_NODELAY; writes use MSG_NOSIGNAL (no SIGPIPE); EINTR and short reads/writes are handled.
// - Not thread-safe: one thread uses a channel at a time. Movable, not copyable; the destructor closes.
// - Name resolution uses getaddrinfo, whose wait is bounded by the resolver's own timeouts
//   (resolv.conf), not by the timeout given to connect().
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/protocol/protocol_version.h"

namespace fabcheck::protocol {

constexpr uint32_t kMaxMessageBytes = 16 << 20;
// perftest's out-of-band port; fabcheck's default control port.
constexpr uint16_t kDefaultControlPort = 18515;
// Appended to "Connection refused" by connect() unless the caller passes its own hint.
constexpr std::string_view kDefaultRefusedHint = "is `fabcheck gen --server` running there?";

class ControlChannel {
 public:
  // Connects to host:port (a name or a numeric v4/v6 address; every address getaddrinfo returns is
  // tried in order within the one timeout). Throws TransportError, e.g.
  // "control connection to 127.0.0.1:18515: Connection refused (is `fabcheck gen --server` running there?)",
  // "cannot resolve host 'nosuch': Name or service not known"; TimeoutError
  // "control connection to 10.0.0.9:18515: no answer within 5.0 s". When `host` is a name, the
  // message shows it with the address: "control connection to node7 (10.0.0.9:18515): ...".
  // `refused_hint` replaces the parenthesised hint after "Connection refused" (empty: no hint).
  static ControlChannel connect(const std::string& host, uint16_t port, int64_t timeout_ns,
                                std::string_view refused_hint = kDefaultRefusedHint);

  ControlChannel(ControlChannel&& other) noexcept;
  ControlChannel& operator=(ControlChannel&& other) noexcept;
  ControlChannel(const ControlChannel&) = delete;
  ControlChannel& operator=(const ControlChannel&) = delete;
  ~ControlChannel();

  // Sends one message (compact JSON; invalid UTF-8 in strings is replaced by U+FFFD, never thrown).
  // ProtocolError if it exceeds kMaxMessageBytes; TimeoutError if the peer does not take it in time
  // (its receive window stays full); TransportError if the peer closed or reset the connection.
  void send(const nlohmann::json& message, int64_t timeout_ns);

  // Waits for the next message. `phase` (e.g. "waiting for results") is named in every error:
  // TimeoutError "no message from 127.0.0.1:5555 within 5.0 s while waiting for results";
  // ProtocolError "message of 99999999 bytes from 127.0.0.1:5555 exceeds the 16 MiB limit", or
  // "message from 127.0.0.1:5555 is not valid JSON (...)"; TransportError
  // "peer 127.0.0.1:5555 closed the control connection" (also in the middle of a frame, with how
  // much of it had arrived).
  nlohmann::json receive(int64_t timeout_ns, std::string_view phase = {});

  // As receive(), but returns nullopt when the timeout passes without a complete message.
  std::optional<nlohmann::json> tryReceive(int64_t timeout_ns, std::string_view phase = {});

  // Raw frames, for a layer that wraps its own payload (authenticated_channel.h): the same framing,
  // limits, timeouts and errors as send()/receive()/tryReceive(), but the payload is opaque bytes,
  // neither produced nor parsed as JSON. Frames and messages may be mixed on one channel.
  void sendFrame(std::string_view payload, int64_t timeout_ns);
  std::string receiveFrame(int64_t timeout_ns, std::string_view phase = {});
  std::optional<std::string> tryReceiveFrame(int64_t timeout_ns, std::string_view phase = {});

  // The peer's address and port: "127.0.0.1:5555", "[::1]:5555" (v4-mapped v6 shown as v4).
  const std::string& peer() const { return peer_; }
  // The local IP address of this connection, without port ("10.0.0.5", "::1"), so that a server can
  // tell its client which data address to use. Empty once closed.
  std::string localAddress() const;
  bool isOpen() const { return fd_ >= 0; }
  void close() noexcept;
  // The socket, for polling many channels at once; -1 once closed. A receive reads no further
  // than the frame it completes, so nothing waits in this channel while the socket polls idle.
  int fd() const { return fd_; }

 private:
  friend class ControlListener;
  ControlChannel(int fd, std::string peer) noexcept;

  // Reads until the current frame is complete or the deadline passes; true when complete.
  bool readFrame(int64_t deadline_ns, std::string_view phase);
  [[noreturn]] void failClosed(std::string_view detail, std::string_view phase);
  // The TimeoutError receive() throws when tryReceive() found no complete frame.
  [[noreturn]] void throwReceiveTimeout(int64_t timeout_ns, std::string_view phase) const;
  void requireOpen(std::string_view phase) const;

  int fd_ = -1;
  std::string peer_;
  // The frame being received: 4 header bytes, then the payload. Survives a timeout.
  // rx_ holds rx_have_ bytes of the rx_want_ the current part needs (it grows as they arrive).
  std::vector<char> rx_;
  size_t rx_have_ = 0;
  size_t rx_want_ = 4;
  bool rx_in_payload_ = false;
};

class ControlListener {
 public:
  // Binds address:port (SO_REUSEADDR; "" or "0.0.0.0" = every v4 address, "::" = every address,
  // v4 included) and listens. Port 0 lets the kernel pick; port() tells which. TransportError
  // "control port 18515 on 0.0.0.0 is in use" on EADDRINUSE, "cannot listen on control port ..." otherwise.
  static ControlListener listen(const std::string& address, uint16_t port);

  ControlListener(ControlListener&& other) noexcept;
  ControlListener& operator=(ControlListener&& other) noexcept;
  ControlListener(const ControlListener&) = delete;
  ControlListener& operator=(const ControlListener&) = delete;
  ~ControlListener();

  uint16_t port() const { return port_; }
  const std::string& address() const { return address_; }

  // Waits for one connection. TimeoutError "no control connection on 0.0.0.0:18515 within 5.0 s".
  ControlChannel accept(int64_t timeout_ns);
  void close() noexcept;
  // The listening socket, for waiting on it beside others (epoll); -1 once closed.
  int fd() const { return fd_; }

 private:
  ControlListener(int fd, std::string address, uint16_t port) noexcept;

  int fd_ = -1;
  std::string address_;
  uint16_t port_ = 0;
};

// {"type": type, "version": kProtocolVersion}; callers add their fields.
nlohmann::json makeMessage(std::string_view type);

// {"type": "error", "version": kProtocolVersion, "message": text}: how a peer reports a failure
// so that expectMessage() on the other side surfaces it verbatim.
nlohmann::json makeErrorMessage(std::string_view text);

// Checks that `msg` is a message of `type` and our protocol version. Throws:
// - fabcheck::Error "<peer>: <the peer's message field>" when msg is an "error" message;
// - ProtocolError "protocol version 2 from 127.0.0.1:5555 does not match ours (1)";
// - ProtocolError "expected message 'results' from 127.0.0.1:5555 while <phase>, got 'hello'";
// - ProtocolError when msg is not an object with a string "type" and an integer "version".
void expectMessage(const nlohmann::json& msg, std::string_view type, const std::string& peer,
                   std::string_view phase);

}  // namespace fabcheck::protocol
