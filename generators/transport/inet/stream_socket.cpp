// TCP set-up with deadlines (stream_socket.h).
#include "generators/transport/inet/stream_socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "generators/core/clock.h"
#include "generators/core/errors.h"

namespace fabcheck::transport::inet {

namespace {

std::string who_(std::string_view who) { return std::string(who) + ": "; }

void setNoDelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

void waitReady(std::string_view who, int fd, short events, int64_t deadline, const std::string& what) {
  for (;;) {
    const int64_t left = deadline - monoNowNs();
    if (left <= 0) throw TimeoutError(who_(who) + "timed out " + what);
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int ms = static_cast<int>(std::min<int64_t>(left / 1'000'000 + 1, 1000));
    const int r = ::poll(&p, 1, ms);
    if (r > 0) return;
    if (r < 0 && errno != EINTR) throw TransportError(who_(who) + "poll failed " + what + ": " + errnoText(errno));
  }
}

Fd streamListen(std::string_view who, const std::string& address, uint16_t port, std::string_view what) {
  SockAddr a = resolveAddress(who, address, port, what);
  Fd fd(::socket(a.family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) throw TransportError(who_(who) + "cannot create a TCP socket: " + errnoText(errno));
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), a.sa(), a.len) != 0 || ::listen(fd.get(), 16) != 0) {
    throw TransportError(who_(who) + "cannot listen on " + a.toString() + ": " + errnoText(errno));
  }
  return fd;
}

Fd streamAccept(std::string_view who, int listen_fd, int64_t deadline, const std::string& what) {
  for (;;) {
    Fd c(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (c) {
      setNoDelay(c.get());
      return c;
    }
    if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
      throw TransportError(who_(who) + "accept failed " + what + ": " + errnoText(errno));
    }
    waitReady(who, listen_fd, POLLIN, deadline, what);
  }
}

Fd streamConnect(std::string_view who, const SockAddr& to, const SockAddr* local, int64_t timeout_ns) {
  const std::string what = "connecting to " + to.toString();
  Fd fd(::socket(to.family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) throw TransportError(who_(who) + "cannot create a TCP socket: " + errnoText(errno));
  setNoDelay(fd.get());
  if (local != nullptr && ::bind(fd.get(), local->sa(), local->len) != 0) {
    throw TransportError(who_(who) + "cannot bind " + local->toString() + ": " + errnoText(errno));
  }
  if (::connect(fd.get(), to.sa(), to.len) != 0) {
    if (errno != EINPROGRESS) throw TransportError(who_(who) + what + " failed: " + errnoText(errno));
    waitReady(who, fd.get(), POLLOUT, monoNowNs() + timeout_ns, what);
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) throw TransportError(who_(who) + what + " failed: " + errnoText(err));
  }
  return fd;
}

void sendAll(std::string_view who, int fd, const void* data, size_t n, int64_t deadline, const std::string& what) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
    if (k > 0) {
      p += k;
      n -= static_cast<size_t>(k);
    } else if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
      waitReady(who, fd, POLLOUT, deadline, what);
    } else {
      throw TransportError(who_(who) + "sending failed " + what + ": " + errnoText(errno));
    }
  }
}

void recvAll(std::string_view who, int fd, void* data, size_t n, int64_t deadline, const std::string& what) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t k = ::recv(fd, p, n, 0);
    if (k > 0) {
      p += k;
      n -= static_cast<size_t>(k);
    } else if (k == 0) {
      throw TransportError(who_(who) + "the peer closed the connection " + what);
    } else if (errno == EAGAIN || errno == EINTR) {
      waitReady(who, fd, POLLIN, deadline, what);
    } else {
      throw TransportError(who_(who) + "receiving failed " + what + ": " + errnoText(errno));
    }
  }
}

}  // namespace fabcheck::transport::inet
