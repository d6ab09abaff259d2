// HELLO / HELLO-ACK handshake (udp_handshake.h).
#include "generators/transport/udp/udp_handshake.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/measure/wire_header.h"
#include "generators/transport/udp/udp_socket.h"

namespace fabcheck::transport::udp {

namespace {

using measure::detail::loadLe;
using measure::detail::storeLe;

std::string seconds(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g s", static_cast<double>(ns) / 1e9);
  return buf;
}

// Waits for POLLIN up to `ns` (sub-ms precision); true when readable.
bool waitReadable(int fd, int64_t ns) {
  if (ns < 0) ns = 0;
  pollfd p{fd, POLLIN, 0};
  timespec ts{static_cast<time_t>(ns / kNsPerSec), static_cast<long>(ns % kNsPerSec)};
  int rc = ppoll(&p, 1, &ts, nullptr);
  return rc > 0;
}

}  // namespace

void encodeHandshake(const HandshakeMsg& m, std::byte* out) noexcept {
  storeLe<uint32_t>(out, kHandshakeMagic);
  storeLe<uint8_t>(out + 4, static_cast<uint8_t>(m.type));
  storeLe<uint8_t>(out + 5, kHandshakeVersion);
  storeLe<uint16_t>(out + 6, 0);
  storeLe<uint64_t>(out + 8, m.nonce);
}

std::optional<HandshakeMsg> decodeHandshake(std::span<const std::byte> msg) noexcept {
  if (msg.size() != kHandshakeSize) return std::nullopt;
  const std::byte* p = msg.data();
  if (loadLe<uint32_t>(p) != kHandshakeMagic || loadLe<uint8_t>(p + 5) != kHandshakeVersion) return std::nullopt;
  uint8_t type = loadLe<uint8_t>(p + 4);
  if (type != static_cast<uint8_t>(HandshakeType::kHello) && type != static_cast<uint8_t>(HandshakeType::kAck)) {
    return std::nullopt;
  }
  return HandshakeMsg{static_cast<HandshakeType>(type), loadLe<uint64_t>(p + 8)};
}

uint64_t randomNonce() {
  std::random_device rd;
  uint64_t n = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(monoNowNs());
  return n == 0 ? 1 : n;
}

bool sendHandshake(int fd, HandshakeType type, uint64_t nonce) noexcept {
  std::byte buf[kHandshakeSize];
  encodeHandshake({type, nonce}, buf);
  return send(fd, buf, sizeof buf, MSG_DONTWAIT | MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof buf);
}

void clientHandshake(int fd, uint64_t nonce, const std::string& peer, int64_t timeout_ns) {
  const int64_t deadline = monoNowNs() + timeout_ns;
  std::byte buf[kHandshakeSize + 1];
  auto refused = [&](int err) {
    if (err == ECONNREFUSED) throw TransportError("udp: connection refused by " + peer + " (nothing listens there)");
    throw TransportError("udp: handshake with " + peer + " failed: " + errnoText(err));
  };
  for (;;) {
    int64_t now = monoNowNs();
    if (now >= deadline) break;
    if (!sendHandshake(fd, HandshakeType::kHello, nonce) && errno != EAGAIN && errno != ENOBUFS) refused(errno);
    const int64_t next_hello = std::min(deadline, monoNowNs() + kHelloIntervalNs);
    for (;;) {
      now = monoNowNs();
      if (now >= next_hello) break;
      if (!waitReadable(fd, next_hello - now)) continue;
      ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        refused(errno);
      }
      auto m = decodeHandshake({buf, static_cast<size_t>(n)});
      if (m && m->type == HandshakeType::kAck && m->nonce == nonce) return;
    }
  }
  throw TimeoutError("udp: no HELLO-ACK from " + peer + " within " + seconds(timeout_ns) +
                     " (is the peer listening and calling accept()?)");
}

void serverHandshake(int fd, const std::string& endpoint, uint64_t token, const std::string& peer_address,
                     int64_t timeout_ns) {
  const int64_t deadline = monoNowNs() + timeout_ns;
  const std::string peer_host =
      peer_address.empty() ? std::string() : resolveAddress(peer_address, 0, "accepted peer address").host();
  std::byte buf[kHandshakeSize + 1];
  for (;;) {
    int64_t now = monoNowNs();
    if (now >= deadline) break;
    if (!waitReadable(fd, deadline - now)) continue;
    SockAddr from;
    from.len = sizeof from.storage;
    ssize_t n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, from.sa(), &from.len);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR || errno == ECONNREFUSED) continue;
      throw TransportError("udp: accept on " + endpoint + ": " + errnoText(errno));
    }
    auto m = decodeHandshake({buf, static_cast<size_t>(n)});
    if (!m || m->type != HandshakeType::kHello) continue;  // a stray datagram: not a peer
    if (m->nonce != token || (!peer_host.empty() && from.host() != peer_host)) continue;  // a stranger: no answer
    if (connect(fd, from.sa(), from.len) != 0) {
      throw TransportError("udp: accept on " + endpoint + ": cannot connect to " + from.toString() + ": " +
                           errnoText(errno));
    }
    // Drop what was queued before connect(): repeated HELLOs and strays. The peer sends data
    // only after the ACK below, so none of this is data.
    std::byte scratch[2048];
    while (recv(fd, scratch, sizeof scratch, MSG_DONTWAIT) >= 0 || errno == EINTR) {
    }
    if (!sendHandshake(fd, HandshakeType::kAck, token) && errno != EAGAIN && errno != ENOBUFS) {
      throw TransportError("udp: accept on " + endpoint + ": cannot answer " + from.toString() + ": " +
                           errnoText(errno));
    }
    return;
  }
  throw TimeoutError("udp: no peer connected to " + endpoint + " within " + seconds(timeout_ns));
}

}  // namespace fabcheck::transport::udp
