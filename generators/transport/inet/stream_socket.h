// TCP socket set-up with deadlines, shared by the "tcp" transport and verbs' out-of-band QP
// exchange: listen, accept one connection, connect, and blocking-style send/receive of a whole
// buffer on a non-blocking socket.
//
// Contract: every call that waits takes a deadline (CLOCK_MONOTONIC ns) or a timeout and throws
// TimeoutError "<who>: timed out <what>" when it passes; TransportError "<who>: ...: <errno
// text>" when the kernel refuses; ConfigError for an address that does not resolve. `who` is the
// transport's name ("tcp", "verbs"), `what` the phase in words ("waiting for the peer's
// connection on 10.0.0.1:4000"). Sockets returned are non-blocking, close-on-exec, TCP_NODELAY.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "generators/transport/inet/inet_socket.h"

namespace fabcheck::transport::inet {

// A listening TCP socket on `address` (port 0: the kernel picks), SO_REUSEADDR.
Fd streamListen(std::string_view who, const std::string& address, uint16_t port, std::string_view what);
// Waits for one connection until the deadline; the listener stays open.
Fd streamAccept(std::string_view who, int listen_fd, int64_t deadline_ns, const std::string& what);
// Connects to `to` (its family), from `local` when given (port 0), waiting at most timeout_ns.
Fd streamConnect(std::string_view who, const SockAddr& to, const SockAddr* local, int64_t timeout_ns);

// Waits until `fd` is ready for `events` (POLLIN/POLLOUT) or the deadline passes.
void waitReady(std::string_view who, int fd, short events, int64_t deadline_ns, const std::string& what);
// Sends / receives exactly n bytes before the deadline. recvAll throws TransportError when the
// peer closes first ("<who>: the peer closed the connection <what>").
void sendAll(std::string_view who, int fd, const void* p, size_t n, int64_t deadline_ns, const std::string& what);
void recvAll(std::string_view who, int fd, void* p, size_t n, int64_t deadline_ns, const std::string& what);

}  // namespace fabcheck::transport::inet
