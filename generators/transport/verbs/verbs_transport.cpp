// The "verbs" transport: listener, connector and instance properties (verbs_transport.h).
#include "generators/transport/verbs/verbs_transport.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <mutex>

#include "generators/core/errors.h"
#include "generators/transport/verbs/verbs_addressing.h"
#include "generators/transport/verbs/verbs_bootstrap.h"
#include "generators/transport/verbs/verbs_connection.h"
#include "generators/transport/verbs/verbs_options.h"
#include "generators/transport/verbs/verbs_probe.h"

namespace fabcheck::transport::verbs {
namespace {

constexpr const char* kSoftwareCaveat =
    "software verbs device (tests only): correctness, not performance; these figures say nothing about a NIC";

// A reply frame that starts with this carries the listener's error instead of its QP information.
constexpr const char* kErrorPrefix = "error: ";

// What the listeners and connections of one transport instance share.
struct VerbsShared {
  std::shared_ptr<VerbsApi> api;
  TransportOptions options;
  VerbsOptions verbs;
  std::mutex mu;
  std::map<std::string, std::shared_ptr<VerbsDevice>> devices;  // by data address

  std::shared_ptr<VerbsDevice> deviceFor(const std::string& address) {
    std::lock_guard lock(mu);
    auto& d = devices[address];
    if (!d) d = VerbsDevice::open(api, chooseVerbsAddress(*api, address, verbs));
    return d;
  }

  std::unique_ptr<VerbsConnection> newConnection(const std::string& address) {
    VerbsConnectionSetup s{.device = deviceFor(address), .options = verbs,
                           .traffic_class = static_cast<uint8_t>((options.dscp << 2) | options.ecn),
                           .want_timestamps = options.rx_timestamps, .local_host = address};
    return std::make_unique<VerbsConnection>(std::move(s));
  }
};

uint16_t portField(const EndpointDesc& d) {
  const std::string& s = d.at("exchange_port");
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v == 0 || v > 65535) {
    throw ConfigError("verbs: endpoint field 'exchange_port' is '" + s + "'; expected a port 1..65535");
  }
  return static_cast<uint16_t>(v);
}

class VerbsListener final : public Listener {
 public:
  VerbsListener(std::shared_ptr<VerbsShared> shared, const ListenOptions& o) : shared_(std::move(shared)) {
    if (o.address.empty() || o.address == "0.0.0.0" || o.address == "::") {
      throw ConfigError("verbs: listen address '" + o.address +
                        "' names no device; give the data address (its GID chooses the device and port)");
    }
    address_ = o.address;
    device_ = shared_->deviceFor(address_);
    fd_ = bootstrapListen(address_, o.port);
    const VerbsAddress& a = device_->address();
    desc_.transport = "verbs";
    desc_.fields = {{"exchange_address", address_},
                    {"exchange_port", std::to_string(inet::localAddress(fd_.get()).port())},
                    {"device", a.device},
                    {"gid", a.gid_text},
                    {"lid", std::to_string(a.lid)},
                    {"link_layer", a.link_layer},
                    {"verb", toString(shared_->verbs.verb)},
                    {"connection", toString(shared_->verbs.connection)},
                    {"qps", std::to_string(shared_->verbs.qps)}};
  }

  const EndpointDesc& endpoint() const override { return desc_; }

  std::unique_ptr<Connection> accept(int64_t timeout_ns) override {
    const std::string where = "on " + address_ + ":" + desc_.fields.at("exchange_port");
    Fd c = bootstrapAccept(fd_.get(), timeout_ns, "waiting for the peer's QP exchange " + where);
    const std::string from = inet::peerAddress(c.get()).toString();
    SideInfo theirs = sideInfoFromJson(recvFrame(c.get(), timeout_ns, "reading QP information from " + from), from);
    std::unique_ptr<VerbsConnection> conn;
    try {
      conn = shared_->newConnection(address_);
      conn->connectTo(theirs);
    } catch (const Error& e) {  // the peer hears why, not only that the exchange closed
      sendFrame(c.get(), kErrorPrefix + std::string(e.what()), timeout_ns, "telling " + from + " why");
      throw;
    }
    sendFrame(c.get(), toJson(conn->mine()), timeout_ns, "sending QP information to " + from);
    if (recvFrame(c.get(), timeout_ns, "waiting for " + from + " to be ready") != "ready") {
      throw ProtocolError("verbs: " + from + " did not say 'ready' after the QP exchange");
    }
    return conn;
  }

 private:
  std::shared_ptr<VerbsShared> shared_;
  std::string address_;
  std::shared_ptr<VerbsDevice> device_;
  Fd fd_;
  EndpointDesc desc_;
};

class VerbsTransport final : public Transport {
 public:
  explicit VerbsTransport(std::shared_ptr<VerbsShared> shared) : shared_(std::move(shared)) {}

  TransportProperties properties() const override {
    TransportProperties p;
    const VerbsOptions& v = shared_->verbs;
    p.name = "verbs";
    p.max_message_bytes = v.connection == QpKind::kUd ? 4096 : 1u << 30;
    if (v.connection == QpKind::kUd && v.mtu) p.max_message_bytes = *v.mtu;
    p.max_post_bytes = p.max_message_bytes;
    p.reliable = v.connection == QpKind::kRc;
    p.supports_rdma_ops = v.connection == QpKind::kRc;
    p.rx_timestamps = TimestampSource::kUserSpace;  // at least; each completion says which it got
    if (shared_->api->isSoftware()) p.caveat = kSoftwareCaveat;
    std::lock_guard lock(shared_->mu);
    for (const auto& [addr, dev] : shared_->devices) {
      p.device = dev->describe();
      if (dev->hasCompletionTimestamps() && shared_->options.rx_timestamps) p.rx_timestamps = TimestampSource::kHardware;
      if (dev->address().speed_gbps > 0) p.line_rate_gbps = dev->address().speed_gbps;
      if (v.connection == QpKind::kUd) p.max_message_bytes = p.max_post_bytes = dev->address().active_mtu;
    }
    return p;
  }

  std::unique_ptr<Listener> listen(const ListenOptions& options) override {
    return std::make_unique<VerbsListener>(shared_, options);
  }

  std::unique_ptr<Connection> connect(const EndpointDesc& peer, const ConnectOptions& options) override {
    if (peer.transport != "verbs") {
      throw ConfigError("verbs: cannot connect to a '" + peer.transport + "' endpoint");
    }
    Fd c = bootstrapConnect(peer.at("exchange_address"), portField(peer), options.timeout_ns);
    const std::string from = inet::peerAddress(c.get()).toString();
    const std::string local = options.local_address.empty() ? inet::localAddress(c.get()).host() : options.local_address;
    auto conn = shared_->newConnection(local);
    sendFrame(c.get(), toJson(conn->mine()), options.timeout_ns, "sending QP information to " + from);
    const std::string reply = recvFrame(c.get(), options.timeout_ns, "reading QP information from " + from);
    if (reply.rfind(kErrorPrefix, 0) == 0) throw ConfigError(reply.substr(std::strlen(kErrorPrefix)));
    SideInfo theirs = sideInfoFromJson(reply, from);
    conn->connectTo(theirs);
    sendFrame(c.get(), "ready", options.timeout_ns, "telling " + from + " this side is ready");
    return conn;
  }

 private:
  std::shared_ptr<VerbsShared> shared_;
};

}  // namespace

std::unique_ptr<Transport> createVerbsTransport(const TransportOptions& options, std::shared_ptr<VerbsApi> api) {
  auto shared = std::make_shared<VerbsShared>();
  shared->verbs = parseVerbsOptions(options.extra);
  shared->options = options;
  if (options.dscp < 0 || options.dscp > 63 || options.ecn < 0 || options.ecn > 3) {
    throw ConfigError("verbs: dscp " + std::to_string(options.dscp) + " / ecn " + std::to_string(options.ecn) +
                      " out of range; expected dscp 0..63 and ecn 0..3 (GRH traffic class = dscp << 2 | ecn)");
  }
  shared->api = api ? std::move(api) : defaultVerbsApi();
  if (!shared->api) {
    throw UnsupportedError("verbs: fabcheck was built without libibverbs (install libibverbs-dev, "
                           "scripts/install-deps.sh, and rebuild)");
  }
  DeviceListResult listed;
  listed.error = shared->api->listDevices(listed.devices);
  listed.ok = listed.error == 0;
  requireDevices(listed);  // throws UnsupportedError with the probe's words when there is none
  return std::make_unique<VerbsTransport>(std::move(shared));
}

}  // namespace fabcheck::transport::verbs
