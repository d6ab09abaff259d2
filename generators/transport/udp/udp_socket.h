// Kernel UDP socket plumbing for the "udp" transport: an owning fd, socket addresses and their
// text form, host capability probes (GSO, GRO, SO_TIMESTAMPING) and socket configuration.
//
// Contract: everything here is control plane and throws ConfigError (bad address, bad option)
// or TransportError (the kernel refused) with one-line messages naming the value; the probes and
// setGro() never throw.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "generators/transport/transport.h"

namespace fabcheck::transport::udp {

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

// Resolves `host` (numeric IPv4/IPv6, or a name) and `port`. `what` names where the value came
// from for the ConfigError ("listen address", "endpoint field 'address'").
SockAddr resolveAddress(const std::string& host, uint16_t port, std::string_view what);
SockAddr localAddress(int fd);
SockAddr peerAddress(int fd);

// "inet" / "inet6" (the endpoint's "family" field) and back (ConfigError when unknown).
std::string_view familyName(int family) noexcept;
int familyFromName(const std::string& name);

// Largest UDP payload of one datagram for the address family.
constexpr uint32_t kMaxPayloadV4 = 65507;
constexpr uint32_t kMaxPayloadV6 = 65527;
inline uint32_t maxPayload(int family) noexcept { return family == AF_INET6 ? kMaxPayloadV6 : kMaxPayloadV4; }

// What this kernel accepts, probed once per process on a scratch socket.
struct HostCaps {
  bool gso = false;           // setsockopt(UDP_SEGMENT) works
  bool gro = false;           // setsockopt(UDP_GRO) works
  bool timestamping = false;  // setsockopt(SO_TIMESTAMPING, RX_SOFTWARE|...) works
};
const HostCaps& hostCaps() noexcept;

// How a socket ended up configured.
struct SocketSetup {
  bool gso = false;  // send with UDP_SEGMENT
  bool gro = false;  // UDP_GRO enabled on receive
  TimestampSource rx_timestamps = TimestampSource::kNone;  // best source to expect
};

// Checks dscp/ecn ranges and bind_interface existence; throws ConfigError.
void validateOptions(const TransportOptions& options);

// Creates a non-blocking UDP socket of `family` configured from `options` (TOS/TCLASS,
// receive TOS, buffers, interface, GRO, timestamps). Throws TransportError.
Fd openSocket(int family, const TransportOptions& options, SocketSetup& setup);

// Turns UDP_GRO on or off; false when the kernel refused.
bool setGro(int fd, bool on) noexcept;

// Link speed of `ifname` from /sys/class/net/<if>/speed (Mb/s) in Gb/s, when readable.
std::optional<double> interfaceSpeedGbps(const std::string& ifname);

// Whether the NIC behind `ifname` has receive hardware timestamping switched on (SIOCGHWTSTAMP).
bool interfaceHasRxHwTimestamps(const std::string& ifname) noexcept;

}  // namespace fabcheck::transport::udp
