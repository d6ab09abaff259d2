// Kernel UDP socket plumbing for the "udp" transport: host capability probes (GSO, GRO, SO_TIMESTAMPING) and socket configuration.
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

#include "generators/transport/inet/inet_socket.h"
#include "generators/transport/transport.h"

namespace fabcheck::transport::udp {

// The shared socket plumbing (generators/transport/inet/inet_socket.h), under the names the udp
// code has always used; messages say "udp:".
using inet::errnoText;
using inet::familyName;
using inet::Fd;
using inet::interfaceSpeedGbps;
using inet::localAddress;
using inet::peerAddress;
using inet::SockAddr;
inline SockAddr resolveAddress(const std::string& host, uint16_t port, std::string_view what) {
  return inet::resolveAddress("udp", host, port, what);
}
inline int familyFromName(const std::string& name) { return inet::familyFromName("udp", name); }

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

// Whether the NIC behind `ifname` has receive hardware timestamping switched on (SIOCGHWTSTAMP).
bool interfaceHasRxHwTimestamps(const std::string& ifname) noexcept;

}  // namespace fabcheck::transport::udp
