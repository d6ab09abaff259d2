// Socket plumbing shared by the IP transports (inet_socket.h).
#include "generators/transport/inet/inet_socket.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "generators/core/errors.h"

namespace fabcheck::transport::inet {

namespace {

std::string stripBrackets(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

std::string prefix(std::string_view transport, std::string_view what) {
  return std::string(transport) + ": " + std::string(what);
}

}  // namespace

std::string errnoText(int err) {
  char buf[128];
  // GNU strerror_r returns the message pointer (maybe not buf).
  return strerror_r(err, buf, sizeof buf);
}

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

uint16_t SockAddr::port() const noexcept {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  return 0;
}

std::string SockAddr::host() const {
  char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = {};
  if (getnameinfo(sa(), len, buf, sizeof buf, nullptr, 0, NI_NUMERICHOST) != 0) return "?";
  return buf;
}

std::string SockAddr::toString() const {
  if (family() == AF_INET6) return "[" + host() + "]:" + std::to_string(port());
  return host() + ":" + std::to_string(port());
}

SockAddr resolveAddress(std::string_view transport, const std::string& host_in, uint16_t port, std::string_view what) {
  std::string host = stripBrackets(host_in);
  if (host.empty()) throw ConfigError(prefix(transport, what) + " is empty; expected an IPv4 or IPv6 address");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || res == nullptr) {
    throw ConfigError(prefix(transport, what) + " '" + host_in + "' is not an address (" + gai_strerror(rc) +
                      "); expected an IPv4 or IPv6 address such as 127.0.0.1 or ::1");
  }
  SockAddr a;
  std::memcpy(&a.storage, res->ai_addr, res->ai_addrlen);
  a.len = res->ai_addrlen;
  freeaddrinfo(res);
  if (a.family() == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&a.storage)->sin_port = htons(port);
  } else if (a.family() == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&a.storage)->sin6_port = htons(port);
  } else {
    throw ConfigError(prefix(transport, what) + " '" + host_in + "' is neither IPv4 nor IPv6");
  }
  return a;
}

SockAddr localAddress(int fd) {
  SockAddr a;
  a.len = sizeof a.storage;
  if (getsockname(fd, a.sa(), &a.len) != 0) throw TransportError("getsockname: " + errnoText(errno));
  return a;
}

SockAddr peerAddress(int fd) {
  SockAddr a;
  a.len = sizeof a.storage;
  if (getpeername(fd, a.sa(), &a.len) != 0) throw TransportError("getpeername: " + errnoText(errno));
  return a;
}

std::string_view familyName(int family) noexcept {
  return family == AF_INET6 ? "inet6" : family == AF_INET ? "inet" : "unknown";
}

int familyFromName(std::string_view transport, const std::string& name) {
  if (name == "inet") return AF_INET;
  if (name == "inet6") return AF_INET6;
  throw ConfigError(std::string(transport) + ": endpoint field 'family' is '" + name + "'; expected inet or inet6");
}

std::optional<double> interfaceSpeedGbps(const std::string& ifname) {
  if (ifname.empty() || ifname.find('/') != std::string::npos) return std::nullopt;
  std::ifstream in("/sys/class/net/" + ifname + "/speed");
  long mbps = 0;
  if (!(in >> mbps) || mbps <= 0) return std::nullopt;
  return static_cast<double>(mbps) / 1000.0;
}

}  // namespace fabcheck::transport::inet
