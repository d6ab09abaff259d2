// The TCP exchange of QP information (verbs_bootstrap.h).
#include "generators/transport/verbs/verbs_bootstrap.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "generators/core/clock.h"
#include "generators/core/errors.h"

namespace fabcheck::transport::verbs {
namespace {

constexpr uint32_t kMaxFrame = 64 * 1024;

// Waits until `fd` is ready for `events` or the deadline passes (TimeoutError).
void waitReady(int fd, short events, int64_t deadline, const std::string& what) {
  for (;;) {
    const int64_t left = deadline - monoNowNs();
    if (left <= 0) throw TimeoutError("verbs: timed out " + what);
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int ms = static_cast<int>(std::min<int64_t>(left / 1'000'000 + 1, 1000));
    const int r = ::poll(&p, 1, ms);
    if (r > 0) return;
    if (r < 0 && errno != EINTR) throw TransportError("verbs: poll failed " + what + ": " + udp::errnoText(errno));
  }
}

void setNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

void sendAll(int fd, const char* p, size_t n, int64_t deadline, const std::string& what) {
  while (n > 0) {
    const ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
    if (k > 0) {
      p += k;
      n -= static_cast<size_t>(k);
    } else if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
      waitReady(fd, POLLOUT, deadline, what);
    } else {
      throw TransportError("verbs: sending failed " + what + ": " + udp::errnoText(errno));
    }
  }
}

void recvAll(int fd, char* p, size_t n, int64_t deadline, const std::string& what) {
  while (n > 0) {
    const ssize_t k = ::recv(fd, p, n, 0);
    if (k > 0) {
      p += k;
      n -= static_cast<size_t>(k);
    } else if (k == 0) {
      throw TransportError("verbs: the peer closed the exchange " + what);
    } else if (errno == EAGAIN || errno == EINTR) {
      waitReady(fd, POLLIN, deadline, what);
    } else {
      throw TransportError("verbs: receiving failed " + what + ": " + udp::errnoText(errno));
    }
  }
}

}  // namespace

Fd bootstrapListen(const std::string& address, uint16_t port) {
  udp::SockAddr a = udp::resolveAddress(address, port, "verbs listen address");
  Fd fd(::socket(a.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw TransportError("verbs: cannot create the exchange socket: " + udp::errnoText(errno));
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), a.sa(), a.len) != 0 || ::listen(fd.get(), 16) != 0) {
    throw TransportError("verbs: cannot listen for the QP exchange on " + a.toString() + ": " + udp::errnoText(errno));
  }
  setNonBlocking(fd.get());
  return fd;
}

Fd bootstrapAccept(int listen_fd, int64_t timeout_ns, const std::string& what) {
  const int64_t deadline = monoNowNs() + timeout_ns;
  for (;;) {
    Fd c(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (c) {
      int one = 1;
      ::setsockopt(c.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return c;
    }
    if (errno != EAGAIN && errno != EINTR) throw TransportError("verbs: accept failed " + what + ": " + udp::errnoText(errno));
    waitReady(listen_fd, POLLIN, deadline, what);
  }
}

Fd bootstrapConnect(const std::string& address, uint16_t port, int64_t timeout_ns) {
  udp::SockAddr a = udp::resolveAddress(address, port, "verbs endpoint field 'exchange_address'");
  const std::string what = "connecting to the QP exchange at " + a.toString();
  Fd fd(::socket(a.family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) throw TransportError("verbs: cannot create the exchange socket: " + udp::errnoText(errno));
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd.get(), a.sa(), a.len) != 0) {
    if (errno != EINPROGRESS) throw TransportError("verbs: " + what + " failed: " + udp::errnoText(errno));
    waitReady(fd.get(), POLLOUT, monoNowNs() + timeout_ns, what);
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) throw TransportError("verbs: " + what + " failed: " + udp::errnoText(err));
  }
  return fd;
}

void sendFrame(int fd, const std::string& payload, int64_t timeout_ns, const std::string& what) {
  if (payload.size() > kMaxFrame) throw ProtocolError("verbs: exchange frame too large " + what);
  const uint32_t n = static_cast<uint32_t>(payload.size());
  const char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                       static_cast<char>(n)};
  const int64_t deadline = monoNowNs() + timeout_ns;
  sendAll(fd, len, 4, deadline, what);
  sendAll(fd, payload.data(), payload.size(), deadline, what);
}

std::string recvFrame(int fd, int64_t timeout_ns, const std::string& what) {
  const int64_t deadline = monoNowNs() + timeout_ns;
  unsigned char len[4];
  recvAll(fd, reinterpret_cast<char*>(len), 4, deadline, what);
  const uint32_t n = (uint32_t{len[0]} << 24) | (uint32_t{len[1]} << 16) | (uint32_t{len[2]} << 8) | len[3];
  if (n > kMaxFrame) {
    throw ProtocolError("verbs: exchange frame of " + std::to_string(n) + " bytes " + what + "; expected at most 65536");
  }
  std::string s(n, '\0');
  recvAll(fd, s.data(), n, deadline, what);
  return s;
}

}  // namespace fabcheck::transport::verbs
