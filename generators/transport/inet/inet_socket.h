// Kernel socket plumbing every IP transport shares (udp, tcp, and verbs' out-of-band exchange):
// an owning fd, IPv4/IPv6 socket addresses and their text form, name resolution, errno text and
// an interface's link speed.
//
// Contract: resolution and address queries are control plane and throw ConfigError (bad address)
// or TransportError (the kernel refused), one line naming the value and prefixed with the
// transport's name ("tcp: listen address 'x' is not an address ..."); errnoText() and
// interfaceSpeedGbps() never throw.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fabcheck::transport::inet {

// Text of an errno value ("Address already in use").
std::string errnoText(int err);

// An owned file descriptor; closes on destruction. Move-only.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const noexcept { return fd_; }
  int release() noexcept {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  explicit operator bool() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// An IPv4 or IPv6 socket address.
struct SockAddr {
  sockaddr_storage storage{};
  socklen_t len = 0;

  int family() const noexcept { return storage.ss_family; }
  uint16_t port() const noexcept;
  std::string host() const;      // numeric: "127.0.0.1", "::1"
  std::string toString() const;  // "127.0.0.1:5201", "[::1]:5201"
  const sockaddr* sa() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* sa() noexcept { return reinterpret_cast<sockaddr*>(&storage); }
};

// Resolves `host` (numeric IPv4/IPv6, "[v6]", or a name) and `port`. `transport` prefixes the
// message ("udp"), `what` names where the value came from ("listen address", "endpoint field
// 'address'"). Throws ConfigError.
SockAddr resolveAddress(std::string_view transport, const std::string& host, uint16_t port, std::string_view what);
// getsockname / getpeername; TransportError when the kernel refuses.
SockAddr localAddress(int fd);
SockAddr peerAddress(int fd);

// "inet" / "inet6" (an endpoint's "family" field) and back (ConfigError naming the transport).
std::string_view familyName(int family) noexcept;
int familyFromName(std::string_view transport, const std::string& name);

// Link speed of `ifname` from /sys/class/net/<if>/speed (Mb/s) in Gb/s, when readable.
std::optional<double> interfaceSpeedGbps(const std::string& ifname);

}  // namespace fabcheck::transport::inet
