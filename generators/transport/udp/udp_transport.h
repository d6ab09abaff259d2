// The "udp" transport (kernel UDP sockets, IPv4 and IPv6).
//
// Contract (beyond transport.h):
// - createUdpTransport() validates the options (ConfigError: dscp 0..63, ecn 0..3, an existing
//   bind_interface, no unknown `extra` keys — udp has none) and probes the kernel for GSO, GRO
//   and SO_TIMESTAMPING once.
// - listen() binds one socket (port 0 = kernel picks) and publishes {"address", "port",
//   "family" ("inet"/"inet6")}. A listener accepts exactly one peer: accept() turns its socket
//   into the connection (udp_handshake.h); listen again for the next peer.
// - connect() binds to ConnectOptions::local_address when given, connect()s to the endpoint and
//   runs the HELLO handshake within ConnectOptions::timeout_ns.
// - properties(): max_message_bytes 65507 (the IPv4 limit, which is safe for both families;
//   IPv6 connections accept up to 65527), max_post_bytes kMaxPostBytes, segmentation/coalescing
//   as the kernel and options allow, rx_timestamps the best source receives will carry,
//   line_rate_gbps from /sys/class/net/<bind_interface>/speed when readable.
#pragma once

#include <memory>

#include "generators/transport/transport.h"

namespace fabcheck::transport::udp {

std::unique_ptr<Transport> createUdpTransport(const TransportOptions& options);

}  // namespace fabcheck::transport::udp
