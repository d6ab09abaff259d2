// The "tcp" transport: listener, connector and the token handshake (tcp_transport.h).
#include "generators/transport/tcp/tcp_transport.h"

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <random>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/transport/inet/stream_socket.h"
#include "generators/transport/tcp/tcp_connection.h"

namespace fabcheck::transport::tcp {

namespace {

constexpr std::string_view kWho = "tcp";
constexpr std::array<char, 8> kHello = {'F', 'C', 'T', 'C', 'P', '1', 'H', 0};
constexpr std::array<char, 8> kAnswer = {'F', 'C', 'T', 'C', 'P', '1', 'A', 0};
constexpr int64_t kHelloWaitNs = 2'000'000'000;  // a connection that says nothing is dropped after this

using Greeting = std::array<char, 16>;  // kHello + the token's 8 bytes

Greeting greeting(uint64_t token) {
  Greeting g{};
  std::memcpy(g.data(), kHello.data(), kHello.size());
  for (int i = 0; i < 8; ++i) g[8 + i] = static_cast<char>(token >> (8 * i));
  return g;
}

uint64_t randomToken() {
  std::random_device rd;
  const uint64_t t = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(monoNowNs());
  return t == 0 ? 1 : t;
}

std::string hex(uint64_t v) {
  char buf[17];
  auto [end, ec] = std::to_chars(buf, buf + 16, v, 16);
  return std::string(buf, end);
}

uint64_t parseToken(const std::string& s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) {
    throw ConfigError("tcp: endpoint field 'token' is '" + s + "'; expected up to 16 hex digits");
  }
  return v;
}

uint16_t parsePort(const std::string& s) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v == 0 || v > 65535) {
    throw ConfigError("tcp: endpoint field 'port' is '" + s + "'; expected a port 1..65535");
  }
  return static_cast<uint16_t>(v);
}

void configure(int fd, const TransportOptions& o, int family) {
  if (!o.bind_interface.empty() && ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o.bind_interface.c_str(),
                                                static_cast<socklen_t>(o.bind_interface.size())) != 0) {
    throw TransportError("tcp: cannot bind a socket to interface '" + o.bind_interface + "' (SO_BINDTODEVICE): " +
                         inet::errnoText(errno));
  }
  const int tos = o.dscp << 2;
  const int rc = family == AF_INET6 ? ::setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos)
                                    : ::setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  if (rc != 0) throw TransportError("tcp: cannot set DSCP " + std::to_string(o.dscp) + ": " + inet::errnoText(errno));
}

class TcpListener final : public Listener {
 public:
  TcpListener(inet::Fd fd, const TransportOptions& options, std::string peer_address)
      : fd_(std::move(fd)), options_(options), token_(randomToken()), peer_address_(std::move(peer_address)) {
    const inet::SockAddr local = inet::localAddress(fd_.get());
    desc_.transport = "tcp";
    desc_.fields = {{"address", local.host()},
                    {"port", std::to_string(local.port())},
                    {"family", std::string(inet::familyName(local.family()))},
                    {"token", hex(token_)}};
    name_ = local.toString();
  }

  const EndpointDesc& endpoint() const override { return desc_; }

  std::unique_ptr<Connection> accept(int64_t timeout_ns) override {
    if (!fd_) throw TransportError("tcp: listener " + name_ + " already accepted its peer; listen again for another");
    const int64_t deadline = monoNowNs() + timeout_ns;
    const std::string what = "waiting for the peer's connection on " + name_ + " (" + std::to_string(timeout_ns / 1'000'000) + " ms)";
    for (;;) {
      inet::Fd c = inet::streamAccept(kWho, fd_.get(), deadline, what);
      if (!peer_address_.empty() && inet::peerAddress(c.get()).host() != peerHost()) continue;  // a stranger
      if (presentsToken(c.get(), deadline)) {
        inet::sendAll(kWho, c.get(), kAnswer.data(), kAnswer.size(), deadline, "answering the peer on " + name_);
        configure(c.get(), options_, inet::localAddress(c.get()).family());
        fd_ = inet::Fd();
        return std::make_unique<TcpConnection>(std::move(c));
      }
    }
  }

 private:
  // Reads the greeting; a stranger (wrong bytes, silence, early close) is dropped, not an error.
  bool presentsToken(int fd, int64_t deadline) const {
    Greeting got{};
    try {
      inet::recvAll(kWho, fd, got.data(), got.size(), std::min(deadline, monoNowNs() + kHelloWaitNs), "reading the greeting");
    } catch (const TimeoutError&) {
      if (monoNowNs() >= deadline) throw;
      return false;
    } catch (const TransportError&) {
      return false;
    }
    return got == greeting(token_);
  }

  std::string peerHost() const {
    return inet::resolveAddress(kWho, peer_address_, 0, "accepted peer address").host();
  }

  inet::Fd fd_;
  TransportOptions options_;
  uint64_t token_;
  std::string peer_address_;  // "" = any
  EndpointDesc desc_;
  std::string name_;
};

class TcpTransport final : public Transport {
 public:
  explicit TcpTransport(const TransportOptions& options) : options_(options) {}

  TransportProperties properties() const override {
    TransportProperties p;
    p.name = "tcp";
    p.max_message_bytes = kTcpMaxMessage;
    p.max_post_bytes = kTcpMaxPostBytes;
    p.reliable = true;
    p.supports_segmentation = options_.segmentation;
    p.supports_coalescing = options_.coalescing;
    p.supports_rdma_ops = false;
    p.rx_timestamps = options_.rx_timestamps ? TimestampSource::kUserSpace : TimestampSource::kNone;
    p.line_rate_gbps = inet::interfaceSpeedGbps(options_.bind_interface);
    return p;
  }

  std::unique_ptr<Listener> listen(const ListenOptions& lo) override {
    inet::Fd fd = inet::streamListen(kWho, lo.address, lo.port, "listen address");
    configure(fd.get(), options_, inet::localAddress(fd.get()).family());
    return std::make_unique<TcpListener>(std::move(fd), options_, lo.peer_address);
  }

  std::unique_ptr<Connection> connect(const EndpointDesc& peer, const ConnectOptions& co) override {
    if (peer.transport != "tcp") {
      throw ConfigError("tcp: cannot connect to an endpoint of transport '" + peer.transport + "'; expected tcp");
    }
    const inet::SockAddr to = inet::resolveAddress(kWho, peer.at("address"), parsePort(peer.at("port")), "endpoint field 'address'");
    auto fam = peer.fields.find("family");
    if (fam != peer.fields.end() && inet::familyFromName(kWho, fam->second) != to.family()) {
      throw ConfigError("tcp: endpoint address '" + peer.at("address") + "' is not of family '" + fam->second + "'");
    }
    const uint64_t token = parseToken(peer.at("token"));
    std::optional<inet::SockAddr> local;
    if (!co.local_address.empty()) {
      local = inet::resolveAddress(kWho, co.local_address, 0, "connect local_address");
      if (local->family() != to.family()) {
        throw ConfigError("tcp: local_address '" + co.local_address + "' and peer " + to.toString() +
                          " are of different address families");
      }
    }
    const int64_t deadline = monoNowNs() + co.timeout_ns;
    inet::Fd fd = inet::streamConnect(kWho, to, local ? &*local : nullptr, co.timeout_ns);
    configure(fd.get(), options_, to.family());
    const Greeting g = greeting(token);
    const std::string what = "greeting the peer at " + to.toString();
    inet::sendAll(kWho, fd.get(), g.data(), g.size(), deadline, what);
    std::array<char, kAnswer.size()> answer{};
    inet::recvAll(kWho, fd.get(), answer.data(), answer.size(), deadline, "waiting for the answer of " + to.toString());
    if (answer != kAnswer) throw ProtocolError("tcp: " + to.toString() + " answered the greeting with something else; is it a fabcheck tcp listener?");
    return std::make_unique<TcpConnection>(std::move(fd));
  }

 private:
  TransportOptions options_;
};

}  // namespace

std::unique_ptr<Transport> createTcpTransport(const TransportOptions& o) {
  if (o.dscp < 0 || o.dscp > 63) {
    throw ConfigError("tcp: dscp " + std::to_string(o.dscp) + " (transport option dscp) is out of range; expected 0..63");
  }
  if (o.ecn != 0) {
    throw ConfigError("tcp: ecn " + std::to_string(o.ecn) +
                      " (transport option ecn) cannot be set on tcp; the kernel's TCP marks ECT itself (net.ipv4.tcp_ecn); "
                      "expected 0, or transport udp to send a chosen codepoint");
  }
  if (!o.bind_interface.empty() &&
      (o.bind_interface.size() >= IF_NAMESIZE || if_nametoindex(o.bind_interface.c_str()) == 0)) {
    throw ConfigError("tcp: interface '" + o.bind_interface + "' (transport option bind_interface) does not exist on this host");
  }
  if (!o.extra.empty()) {
    throw ConfigError("tcp: unknown transport option '" + o.extra.begin()->first + "'; the tcp transport takes no extra options");
  }
  return std::make_unique<TcpTransport>(o);
}

}  // namespace fabcheck::transport::tcp
