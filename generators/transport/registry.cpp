// createTransport() / transportNames() / transportKindProperties() (transport.h): one table,
// name -> factory and static properties. A new transport is its own folder plus one row here.
#include <string>
#include <vector>

#include "generators/core/errors.h"
#include "generators/transport/loop/loop_connection.h"
#include "generators/transport/loop/loop_transport.h"
#include "generators/transport/tcp/tcp_connection.h"
#include "generators/transport/tcp/tcp_transport.h"
#include "generators/transport/transport.h"
#include "generators/transport/udp/udp_connection.h"
#include "generators/transport/udp/udp_socket.h"
#include "generators/transport/udp/udp_transport.h"
#include "generators/transport/verbs/verbs_transport.h"

namespace fabcheck::transport {
namespace {

struct TransportKind {
  const char* name;
  std::unique_ptr<Transport> (*create)(const TransportOptions&);
  uint32_t max_message_bytes;
  uint32_t max_post_bytes;
  bool reliable;
  bool in_process = false;
};

// verbs (RC): the usual ibv_port_attr max_msg_sz of 1 GiB (UD: one path MTU, from the instance).
const TransportKind kKinds[] = {
    {"loop", [](const TransportOptions& o) { return loop::createLoopTransport(o); }, loop::kLoopMaxMessage,
     loop::kLoopMaxPost, true, true},
    {"udp", [](const TransportOptions& o) { return udp::createUdpTransport(o); }, udp::kMaxPayloadV4,
     udp::kMaxPostBytes, false},
    {"tcp", [](const TransportOptions& o) { return tcp::createTcpTransport(o); }, tcp::kTcpMaxMessage,
     tcp::kTcpMaxPostBytes, true},
    {"verbs", [](const TransportOptions& o) { return verbs::createVerbsTransport(o); }, 1u << 30, 1u << 30, true},
};

const TransportKind& kindOf(std::string_view name) {
  for (const auto& k : kKinds) {
    if (name == k.name) return k;
  }
  std::string known;
  for (const auto& n : transportNames()) known += (known.empty() ? "" : ", ") + n;
  throw ConfigError("unknown transport '" + std::string(name) + "'; expected one of: " + known);
}

}  // namespace

std::vector<std::string> transportNames() {
  std::vector<std::string> names;
  for (const auto& k : kKinds) names.emplace_back(k.name);
  return names;
}

std::unique_ptr<Transport> createTransport(std::string_view name, const TransportOptions& options) {
  return kindOf(name).create(options);
}

TransportProperties transportKindProperties(std::string_view name) {
  const TransportKind& k = kindOf(name);
  TransportProperties p;
  p.name = k.name;
  p.max_message_bytes = k.max_message_bytes;
  p.max_post_bytes = k.max_post_bytes;
  p.reliable = k.reliable;
  p.in_process = k.in_process;
  return p;
}

}  // namespace fabcheck::transport
