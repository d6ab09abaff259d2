// The "tcp" transport (kernel TCP, IPv4 and IPv6): reliable, ordered messages over one TCP
// connection per Connection, as NCCL's socket transport and iperf3 use the kernel's TCP.
// Elephant flows, pingpong (TCP_NODELAY) and collectives run over it; collectives then rely on
// TCP's own reliability (properties().reliable), not on fabcheck's go-back-N layer.
//
// Contract (beyond transport.h):
// - createTcpTransport() validates the options (ConfigError: dscp 0..63; ecn must be 0 — the
//   kernel's TCP sets ECT itself, per net.ipv4.tcp_ecn; an existing bind_interface; no `extra`
//   keys). Socket buffers are left to the kernel's autotuning (net.ipv4.tcp_rmem/tcp_wmem), as
//   iperf3 does; socket_buffer_bytes applies to udp only.
// - listen() opens a listening socket (port 0 = kernel picks) and publishes {"address", "port",
//   "family", "token"}: a random 64-bit token the connecting side must present. accept() takes
//   connections until one presents the token within the timeout (others are closed), answers it
//   and returns the connection; the listening socket is then closed (one peer per listener).
// - connect() binds to ConnectOptions::local_address when given, connects, presents the token
//   and waits for the answer, all within ConnectOptions::timeout_ns (TimeoutError naming the
//   peer), TransportError when refused.
// - properties(): reliable; max_message_bytes kTcpMaxMessage (16 MiB); max_post_bytes
//   kTcpMaxPostBytes; segmentation (a run of messages is one frame, one write) and coalescing
//   (a receive completion may hold several messages of one frame) unless the options turn them
//   off; rx_timestamps user-space; line_rate_gbps from /sys/class/net/<bind_interface>/speed.
// - Connections report TCP_INFO (Connection::tcpInfo()).
#pragma once

#include <memory>

#include "generators/transport/transport.h"

namespace fabcheck::transport::tcp {

std::unique_ptr<Transport> createTcpTransport(const TransportOptions& options);

}  // namespace fabcheck::transport::tcp
