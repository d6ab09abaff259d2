// The TCP exchange of QP information (verbs_bootstrap.h).
#include "generators/transport/verbs/verbs_bootstrap.h"

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/transport/inet/stream_socket.h"

namespace fabcheck::transport::verbs {
namespace {

constexpr uint32_t kMaxFrame = 64 * 1024;
constexpr std::string_view kWho = "verbs";

}  // namespace

Fd bootstrapListen(const std::string& address, uint16_t port) {
  return inet::streamListen(kWho, address, port, "listen address for the QP exchange");
}

Fd bootstrapAccept(int listen_fd, int64_t timeout_ns, const std::string& what) {
  return inet::streamAccept(kWho, listen_fd, monoNowNs() + timeout_ns, what);
}

Fd bootstrapConnect(const std::string& address, uint16_t port, int64_t timeout_ns) {
  const inet::SockAddr a = inet::resolveAddress(kWho, address, port, "endpoint field 'exchange_address'");
  return inet::streamConnect(kWho, a, nullptr, timeout_ns);
}

void sendFrame(int fd, const std::string& payload, int64_t timeout_ns, const std::string& what) {
  if (payload.size() > kMaxFrame) throw ProtocolError("verbs: exchange frame too large " + what);
  const uint32_t n = static_cast<uint32_t>(payload.size());
  const char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                       static_cast<char>(n)};
  const int64_t deadline = monoNowNs() + timeout_ns;
  inet::sendAll(kWho, fd, len, 4, deadline, what);
  inet::sendAll(kWho, fd, payload.data(), payload.size(), deadline, what);
}

std::string recvFrame(int fd, int64_t timeout_ns, const std::string& what) {
  const int64_t deadline = monoNowNs() + timeout_ns;
  unsigned char len[4];
  inet::recvAll(kWho, fd, len, 4, deadline, what);
  const uint32_t n = (uint32_t{len[0]} << 24) | (uint32_t{len[1]} << 16) | (uint32_t{len[2]} << 8) | len[3];
  if (n > kMaxFrame) {
    throw ProtocolError("verbs: exchange frame of " + std::to_string(n) + " bytes " + what + "; expected at most 65536");
  }
  std::string s(n, '\0');
  inet::recvAll(kWho, fd, s.data(), n, deadline, what);
  return s;
}

}  // namespace fabcheck::transport::verbs
