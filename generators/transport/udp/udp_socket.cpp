// Kernel UDP socket plumbing (udp_socket.h).
#include "generators/transport/udp/udp_socket.h"

#include <arpa/inet.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "generators/core/errors.h"
#include "generators/core/log.h"

namespace fabcheck::transport::udp {

namespace {

constexpr int kTimestampingFlags = SOF_TIMESTAMPING_RX_HARDWARE | SOF_TIMESTAMPING_RX_SOFTWARE |
                                   SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_RAW_HARDWARE;

bool setInt(int fd, int level, int name, int value) noexcept {
  return setsockopt(fd, level, name, &value, sizeof value) == 0;
}

void setBuffer(int fd, int force_name, int name, int bytes, const char* label) {
  if (setInt(fd, SOL_SOCKET, force_name, bytes)) return;  // root: past net.core.[rw]mem_max
  if (!setInt(fd, SOL_SOCKET, name, bytes)) {
    log::debug("udp: {} {} bytes refused: {}", label, bytes, errnoText(errno));
  }
}

}  // namespace

const HostCaps& hostCaps() noexcept {
  static const HostCaps caps = [] {
    HostCaps c;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return c;
    c.gso = setInt(fd, SOL_UDP, UDP_SEGMENT, 1400);
    c.gro = setInt(fd, SOL_UDP, UDP_GRO, 1);
    c.timestamping = setInt(fd, SOL_SOCKET, SO_TIMESTAMPING, kTimestampingFlags);
    ::close(fd);
    return c;
  }();
  return caps;
}

void validateOptions(const TransportOptions& o) {
  if (o.dscp < 0 || o.dscp > 63) {
    throw ConfigError("udp: dscp " + std::to_string(o.dscp) + " (transport option dscp) is out of range; expected 0..63");
  }
  if (o.ecn < 0 || o.ecn > 3) {
    throw ConfigError("udp: ecn " + std::to_string(o.ecn) + " (transport option ecn) is out of range; expected 0..3");
  }
  if (o.socket_buffer_bytes < 0) {
    throw ConfigError("udp: socket_buffer_bytes " + std::to_string(o.socket_buffer_bytes) +
                      " is negative; expected a byte count (0 = kernel default)");
  }
  if (!o.bind_interface.empty() &&
      (o.bind_interface.size() >= IF_NAMESIZE || if_nametoindex(o.bind_interface.c_str()) == 0)) {
    throw ConfigError("udp: interface '" + o.bind_interface +
                      "' (transport option bind_interface) does not exist on this host");
  }
}

Fd openSocket(int family, const TransportOptions& o, SocketSetup& setup) {
  Fd fd(socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) throw TransportError("udp: cannot create a " + std::string(familyName(family)) + " socket: " + errnoText(errno));
  int s = fd.get();
  if (!o.bind_interface.empty()) {
    if (setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, o.bind_interface.c_str(),
                   static_cast<socklen_t>(o.bind_interface.size())) != 0) {
      throw TransportError("udp: cannot bind a socket to interface '" + o.bind_interface +
                           "' (SO_BINDTODEVICE): " + errnoText(errno));
    }
  }
  if (o.socket_buffer_bytes > 0) {
    setBuffer(s, SO_SNDBUFFORCE, SO_SNDBUF, o.socket_buffer_bytes, "SO_SNDBUF");
    setBuffer(s, SO_RCVBUFFORCE, SO_RCVBUF, o.socket_buffer_bytes, "SO_RCVBUF");
  }
  const int tos = (o.dscp << 2) | o.ecn;
  if (family == AF_INET6) {
    if (!setInt(s, IPPROTO_IPV6, IPV6_TCLASS, tos)) {
      throw TransportError("udp: cannot set IPV6_TCLASS " + std::to_string(tos) + " (dscp " + std::to_string(o.dscp) +
                           ", ecn " + std::to_string(o.ecn) + "): " + errnoText(errno));
    }
    if (!setInt(s, IPPROTO_IPV6, IPV6_RECVTCLASS, 1)) log::debug("udp: IPV6_RECVTCLASS refused: {}", errnoText(errno));
    setInt(s, IPPROTO_IP, IP_TOS, tos);     // for v4-mapped peers; may be refused
    setInt(s, IPPROTO_IP, IP_RECVTOS, 1);
  } else {
    if (!setInt(s, IPPROTO_IP, IP_TOS, tos)) {
      throw TransportError("udp: cannot set IP_TOS " + std::to_string(tos) + " (dscp " + std::to_string(o.dscp) +
                           ", ecn " + std::to_string(o.ecn) + "): " + errnoText(errno));
    }
    if (!setInt(s, IPPROTO_IP, IP_RECVTOS, 1)) log::debug("udp: IP_RECVTOS refused: {}", errnoText(errno));
  }
  const HostCaps& caps = hostCaps();
  setup.gso = o.segmentation && caps.gso;
  setup.gro = o.coalescing && caps.gro && setGro(s, true);
  setup.rx_timestamps = TimestampSource::kNone;
  if (o.rx_timestamps) {
    setup.rx_timestamps = TimestampSource::kUserSpace;
    if (setInt(s, SOL_SOCKET, SO_TIMESTAMPING, kTimestampingFlags)) {
      setup.rx_timestamps = !o.bind_interface.empty() && interfaceHasRxHwTimestamps(o.bind_interface)
                                ? TimestampSource::kHardware
                                : TimestampSource::kSoftware;
    }
  }
  return fd;
}

bool setGro(int fd, bool on) noexcept { return setInt(fd, SOL_UDP, UDP_GRO, on ? 1 : 0); }

bool interfaceHasRxHwTimestamps(const std::string& ifname) noexcept {
  if (ifname.empty() || ifname.size() >= IF_NAMESIZE) return false;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  hwtstamp_config cfg{};
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, ifname.c_str(), ifname.size());
  ifr.ifr_data = reinterpret_cast<char*>(&cfg);
  bool on = ioctl(fd, SIOCGHWTSTAMP, &ifr) == 0 && cfg.rx_filter != HWTSTAMP_FILTER_NONE;
  ::close(fd);
  return on;
}

}  // namespace fabcheck::transport::udp
