#include "tests/support/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace fabcheck::testing {
namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr size_t kMaxBuffered = 4 << 20;  // per direction; stop reading beyond this

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("tcp proxy: " + what + ": " + std::strerror(errno));
}

// Closes with RST (SO_LINGER 0), as a middlebox that drops a flow would.
void resetClose(int fd) {
  if (fd < 0) return;
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

struct Pair {
  int client = -1, upstream = -1;
  std::string to_client, to_upstream;
};

// Writes what it can of `buf` to fd; false on a hard error.
bool flush(int fd, std::string& buf) {
  while (!buf.empty()) {
    const ssize_t n = ::send(fd, buf.data(), buf.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      buf.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
  return true;
}

// Reads what is there into `buf`; false at EOF or on a hard error.
bool drain(int fd, std::string& buf, std::atomic<uint64_t>& bytes) {
  char chunk[kChunk];
  for (;;) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n > 0) {
      buf.append(chunk, static_cast<size_t>(n));
      bytes += static_cast<uint64_t>(n);
      if (buf.size() >= kMaxBuffered) return true;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

}  // namespace

TcpProxy::TcpProxy(std::string upstream_host, uint16_t upstream_port)
    : upstream_host_(std::move(upstream_host)), upstream_port_(upstream_port) {
  in_addr probe{};
  if (::inet_pton(AF_INET, upstream_host_.c_str(), &probe) != 1) {
    throw std::runtime_error("tcp proxy: upstream '" + upstream_host_ + "' is not a numeric IPv4 address");
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) fail("socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    const int err = errno;
    ::close(listen_fd_);
    errno = err;
    fail("listen on 127.0.0.1");
  }
  port_ = ntohs(a.sin_port);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    ::close(listen_fd_);
    fail("eventfd");
  }
  thread_ = std::thread([this] { loop(); });
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  wake();
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  ::close(wake_fd_);
}

void TcpProxy::wake() {
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

bool TcpProxy::cut() {
  std::unique_lock lock(mutex_);
  const uint64_t ticket = ++cuts_requested_;
  lock.unlock();
  wake();
  lock.lock();
  return cut_done_.wait_for(lock, std::chrono::seconds(5), [&] { return cuts_done_ >= ticket; });
}

void TcpProxy::loop() {
  std::vector<Pair> pairs;
  auto closePair = [&](size_t i) {
    resetClose(pairs[i].client);
    resetClose(pairs[i].upstream);
    pairs.erase(pairs.begin() + static_cast<std::ptrdiff_t>(i));
    --open_;
  };
  while (!stop_.load()) {
    {
      std::lock_guard lock(mutex_);
      if (cuts_done_ < cuts_requested_) {
        while (!pairs.empty()) closePair(pairs.size() - 1);
        cuts_done_ = cuts_requested_;
        cut_done_.notify_all();
      }
    }
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    for (const Pair& p : pairs) {
      const short c = static_cast<short>((p.to_upstream.size() < kMaxBuffered ? POLLIN : 0) | (p.to_client.empty() ? 0 : POLLOUT));
      const short u = static_cast<short>((p.to_client.size() < kMaxBuffered ? POLLIN : 0) | (p.to_upstream.empty() ? 0 : POLLOUT));
      fds.push_back({p.client, c, 0});
      fds.push_back({p.upstream, u, 0});
    }
    if (::poll(fds.data(), fds.size(), 1000) < 0) continue;  // EINTR; the loop re-checks stop_
    if (fds[1].revents) {
      uint64_t n;
      (void)!::read(wake_fd_, &n, sizeof n);
    }
    // Relay first (indexes match `fds` only until pairs change), then accept.
    for (size_t i = pairs.size(); i-- > 0;) {
      Pair& p = pairs[i];
      const short cr = fds[2 + 2 * i].revents, ur = fds[3 + 2 * i].revents;
      bool ok = true;
      if (cr & (POLLIN | POLLHUP | POLLERR)) ok = drain(p.client, p.to_upstream, bytes_);
      if (ok && (ur & (POLLIN | POLLHUP | POLLERR))) ok = drain(p.upstream, p.to_client, bytes_);
      if (!ok) {  // one end went away: pass on what it said, then end the other too
        flush(p.client, p.to_client);
        flush(p.upstream, p.to_upstream);
        closePair(i);
        continue;
      }
      if (!flush(p.client, p.to_client) || !flush(p.upstream, p.to_upstream)) closePair(i);
    }
    if (fds[0].revents & POLLIN) {
      const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (client < 0) continue;
      ++accepted_;
      const int up = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(upstream_port_);
      ::inet_pton(AF_INET, upstream_host_.c_str(), &a.sin_addr);
      bool connected = up >= 0 && ::connect(up, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      if (up >= 0 && !connected && errno == EINPROGRESS) {
        pollfd w{up, POLLOUT, 0};
        int err = 0;
        socklen_t len = sizeof err;
        connected = ::poll(&w, 1, 5000) == 1 && ::getsockopt(up, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
      }
      if (!connected) {  // the upstream is not there: the client sees its connection reset
        if (up >= 0) ::close(up);
        resetClose(client);
        continue;
      }
      const int one = 1;
      ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ::setsockopt(up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      pairs.push_back({client, up, {}, {}});
      ++open_;
    }
  }
  while (!pairs.empty()) closePair(pairs.size() - 1);
}

}  // namespace fabcheck::testing
