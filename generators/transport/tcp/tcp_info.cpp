// TcpConnection::tcpInfo(): TCP_INFO in fabcheck's words (tcp_connection.h). Alone in its file:
// <linux/tcp.h> (the full struct tcp_info) clashes with glibc's <netinet/tcp.h>.
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstring>

#include "generators/transport/tcp/tcp_connection.h"

namespace fabcheck::transport::tcp {

std::optional<TcpPathInfo> TcpConnection::tcpInfo() const noexcept {
  tcp_info ti;
  std::memset(&ti, 0, sizeof ti);
  socklen_t len = sizeof ti;
  if (::getsockopt(fd_.get(), IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) return std::nullopt;
  // Kernels before 4.19 fill less (no byte counts, D-SACKs or reordering): not read, not zeros.
  if (len < offsetof(tcp_info, tcpi_reord_seen) + sizeof ti.tcpi_reord_seen) return std::nullopt;
  TcpPathInfo p;
  p.segments_sent = ti.tcpi_segs_out;
  p.segments_retransmitted = ti.tcpi_total_retrans;
  p.bytes_sent = ti.tcpi_bytes_sent;
  p.bytes_retransmitted = ti.tcpi_bytes_retrans;
  p.spurious_retransmissions = ti.tcpi_dsack_dups;
  p.reordering_events = ti.tcpi_reord_seen;
  p.rtt_us = ti.tcpi_rtt;
  p.rttvar_us = ti.tcpi_rttvar;
  p.cwnd_segments = ti.tcpi_snd_cwnd;
  p.mss_bytes = ti.tcpi_snd_mss;
  p.delivery_rate_bps = static_cast<double>(ti.tcpi_delivery_rate) * 8.0;  // kernel: bytes/s
  return p;
}

}  // namespace fabcheck::transport::tcp
