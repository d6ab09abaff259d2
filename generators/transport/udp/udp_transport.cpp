// The "udp" transport: listener and connector (udp_transport.h).
#include "generators/transport/udp/udp_transport.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>

#include "generators/core/errors.h"
#include "generators/transport/udp/udp_connection.h"
#include "generators/transport/udp/udp_handshake.h"
#include "generators/transport/udp/udp_socket.h"

namespace fabcheck::transport::udp {

namespace {

uint16_t parsePort(const std::string& s) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v == 0 || v > 65535) {
    throw ConfigError("udp: endpoint field 'port' is '" + s + "'; expected a port 1..65535");
  }
  return static_cast<uint16_t>(v);
}

uint64_t parseToken(const std::string& s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v == 0) {
    throw ConfigError("udp: endpoint field 'token' is '" + s + "'; expected a whole number above 0");
  }
  return v;
}

class UdpListener final : public Listener {
 public:
  UdpListener(Fd fd, int family, const SocketSetup& setup, std::string peer_address)
      : fd_(std::move(fd)), family_(family), setup_(setup), token_(randomNonce()), peer_address_(std::move(peer_address)) {
    SockAddr local = localAddress(fd_.get());
    desc_.transport = "udp";
    desc_.fields["address"] = local.host();
    desc_.fields["port"] = std::to_string(local.port());
    desc_.fields["family"] = std::string(familyName(family));
    desc_.fields["token"] = std::to_string(token_);
    name_ = "udp " + local.toString();
  }

  const EndpointDesc& endpoint() const override { return desc_; }

  std::unique_ptr<Connection> accept(int64_t timeout_ns) override {
    if (!fd_) {
      throw TransportError("udp: listener " + name_ + " already accepted its peer; listen again for another");
    }
    UdpConnectionConfig cfg;
    cfg.family = family_;
    cfg.setup = setup_;
    serverHandshake(fd_.get(), name_, token_, peer_address_, timeout_ns);
    cfg.nonce = token_;
    cfg.is_server = true;
    return std::make_unique<UdpConnection>(std::move(fd_), cfg);
  }

 private:
  Fd fd_;
  int family_;
  SocketSetup setup_;
  uint64_t token_;            // the HELLO must carry it (udp_handshake.h)
  std::string peer_address_;  // "" = any
  EndpointDesc desc_;
  std::string name_;
};

class UdpTransport final : public Transport {
 public:
  explicit UdpTransport(const TransportOptions& options) : options_(options) {}

  TransportProperties properties() const override {
    const HostCaps& caps = hostCaps();
    TransportProperties p;
    p.name = "udp";
    p.max_message_bytes = kMaxPayloadV4;
    p.max_post_bytes = kMaxPostBytes;
    p.reliable = false;
    p.supports_segmentation = options_.segmentation && caps.gso;
    p.supports_coalescing = options_.coalescing && caps.gro;
    p.supports_rdma_ops = false;
    if (options_.rx_timestamps) {
      p.rx_timestamps = !caps.timestamping ? TimestampSource::kUserSpace
                        : interfaceHasRxHwTimestamps(options_.bind_interface) ? TimestampSource::kHardware
                                                                              : TimestampSource::kSoftware;
    }
    p.line_rate_gbps = interfaceSpeedGbps(options_.bind_interface);
    return p;
  }

  std::unique_ptr<Listener> listen(const ListenOptions& lo) override {
    SockAddr addr = resolveAddress(lo.address, lo.port, "listen address");
    SocketSetup setup;
    Fd fd = openSocket(addr.family(), options_, setup);
    if (bind(fd.get(), addr.sa(), addr.len) != 0) {
      throw TransportError("udp: cannot bind " + addr.toString() + ": " + errnoText(errno));
    }
    return std::make_unique<UdpListener>(std::move(fd), addr.family(), setup, lo.peer_address);
  }

  std::unique_ptr<Connection> connect(const EndpointDesc& peer, const ConnectOptions& co) override {
    if (peer.transport != "udp") {
      throw ConfigError("udp: cannot connect to an endpoint of transport '" + peer.transport + "'; expected udp");
    }
    SockAddr to = resolveAddress(peer.at("address"), parsePort(peer.at("port")), "endpoint field 'address'");
    auto fam = peer.fields.find("family");
    if (fam != peer.fields.end() && familyFromName(fam->second) != to.family()) {
      throw ConfigError("udp: endpoint address '" + peer.at("address") + "' is not of family '" + fam->second + "'");
    }
    SocketSetup setup;
    Fd fd = openSocket(to.family(), options_, setup);
    if (!co.local_address.empty()) {
      SockAddr local = resolveAddress(co.local_address, 0, "connect local_address");
      if (local.family() != to.family()) {
        throw ConfigError("udp: local_address '" + co.local_address + "' and peer " + to.toString() +
                          " are of different address families");
      }
      if (bind(fd.get(), local.sa(), local.len) != 0) {
        throw TransportError("udp: cannot bind " + local.toString() + ": " + errnoText(errno));
      }
    }
    const std::string name = to.toString();
    if (::connect(fd.get(), to.sa(), to.len) != 0) {
      throw TransportError("udp: cannot connect to " + name + ": " + errnoText(errno));
    }
    UdpConnectionConfig cfg;
    cfg.family = to.family();
    cfg.setup = setup;
    // The listener's token (udp_handshake.h); without one no fabcheck listener will answer.
    const auto token = peer.fields.find("token");
    cfg.nonce = token == peer.fields.end() ? randomNonce() : parseToken(token->second);
    cfg.is_server = false;
    clientHandshake(fd.get(), cfg.nonce, name, co.timeout_ns);
    return std::make_unique<UdpConnection>(std::move(fd), cfg);
  }

 private:
  TransportOptions options_;
};

}  // namespace

std::unique_ptr<Transport> createUdpTransport(const TransportOptions& options) {
  validateOptions(options);
  if (!options.extra.empty()) {
    throw ConfigError("udp: unknown transport option '" + options.extra.begin()->first +
                      "'; the udp transport takes no extra options");
  }
  hostCaps();
  return std::make_unique<UdpTransport>(options);
}

}  // namespace fabcheck::transport::udp
