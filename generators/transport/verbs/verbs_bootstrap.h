// The out-of-band exchange of QP information, over TCP, as perftest (port 18515) and NCCL's IB
// transport do it: the listener's TCP address travels in the endpoint description through the
// controller; the connecting side dials it, sends its side's facts, gets the listener's back, and
// says "ready" once its QPs can receive.
//
// Contract: every call takes a deadline or timeout and throws TimeoutError naming the peer and
// the phase when it passes, TransportError when the kernel refuses, ProtocolError for a frame
// that is not what was expected. Frames are a 4-byte big-endian length and that many bytes
// (at most 64 KiB).
#pragma once

#include <cstdint>
#include <string>

#include "generators/transport/inet/inet_socket.h"

namespace fabcheck::transport::verbs {

using inet::Fd;

// A listening TCP socket on `address` (port 0: the kernel picks).
Fd bootstrapListen(const std::string& address, uint16_t port);
// Waits for one connection; the listener stays open.
Fd bootstrapAccept(int listen_fd, int64_t timeout_ns, const std::string& what);
Fd bootstrapConnect(const std::string& address, uint16_t port, int64_t timeout_ns);

void sendFrame(int fd, const std::string& payload, int64_t timeout_ns, const std::string& what);
std::string recvFrame(int fd, int64_t timeout_ns, const std::string& what);

}  // namespace fabcheck::transport::verbs
