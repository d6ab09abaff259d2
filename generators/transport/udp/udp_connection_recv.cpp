// UdpConnection: the receive path and poll() (udp_connection.h).
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

#include "generators/core/clock.h"
#include "generators/transport/udp/udp_connection.h"
#include "generators/transport/udp/udp_handshake.h"

namespace fabcheck::transport::udp {

namespace {

int64_t toNs(int64_t sec, int64_t nsec) noexcept { return sec * kNsPerSec + nsec; }

}  // namespace

size_t UdpConnection::postRecv(std::span<const RecvOp> ops) noexcept {
  size_t n = ops.size() < posted_.free() ? ops.size() : posted_.free();
  for (size_t i = 0; i < n; ++i) {
    if (gro_ && ops[i].capacity < max_payload_) {
      // A coalesced batch would not fit this buffer: let the kernel hand out single datagrams.
      if (setGro(fd_.get(), false)) gro_ = false;
    }
    posted_.push(ops[i]);
  }
  return n;
}

bool UdpConnection::isHandshake(const std::byte* p, size_t len) noexcept {
  auto m = decodeHandshake({p, len});
  if (!m) return false;
  if (is_server_ && m->type == HandshakeType::kHello && m->nonce == nonce_) {
    sendHandshake(fd_.get(), HandshakeType::kAck, nonce_);  // the first ACK was lost or late
  }
  return true;
}

// Fills `c` for datagram j of the last recvmmsg() into `r`. False: it was a handshake message
// (answered and dropped), not data.
bool UdpConnection::fillRecvCompletion(size_t j, const RecvOp& r, int64_t user_ts, Completion& c) noexcept {
  msghdr& h = rmsgs_[j].msg_hdr;
  const uint32_t len = rmsgs_[j].msg_len;
  const bool truncated = (h.msg_flags & MSG_TRUNC) != 0;
  if (len == kHandshakeSize && !truncated && isHandshake(r.data, len)) return false;
  c = Completion{};
  c.id = r.id;
  c.bytes = len;
  c.segment_size = len;
  if (truncated) {
    c.status = OpStatus::kTruncated;
    ++stats_.recv_truncated;
  }
  int64_t sw_ts = 0;
  int64_t hw_ts = 0;
  for (cmsghdr* cm = CMSG_FIRSTHDR(&h); cm != nullptr; cm = CMSG_NXTHDR(&h, cm)) {
    if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO) {
      int gso = 0;
      std::memcpy(&gso, CMSG_DATA(cm), sizeof gso);
      if (gso > 0 && static_cast<uint32_t>(gso) < len) c.segment_size = static_cast<uint32_t>(gso);
    } else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS) {
      uint8_t tos = 0;
      std::memcpy(&tos, CMSG_DATA(cm), sizeof tos);
      c.tos = tos;
      c.tos_valid = true;
    } else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_TCLASS) {
      int tclass = 0;
      std::memcpy(&tclass, CMSG_DATA(cm), sizeof tclass);
      c.tos = static_cast<uint8_t>(tclass);
      c.tos_valid = true;
    } else if (cm->cmsg_level == SOL_SOCKET &&
               (cm->cmsg_type == SO_TIMESTAMPING_OLD || cm->cmsg_type == SO_TIMESTAMPING_NEW)) {
      // scm_timestamping / scm_timestamping64: three {sec, nsec} pairs of 64-bit values on
      // 64-bit hosts; [0] software, [2] raw hardware.
      int64_t v[6] = {};
      size_t have = cm->cmsg_len - CMSG_LEN(0);
      std::memcpy(v, CMSG_DATA(cm), have < sizeof v ? have : sizeof v);
      sw_ts = toNs(v[0], v[1]);
      hw_ts = toNs(v[4], v[5]);
    }
  }
  if (c.segment_size < len && !truncated) {
    // A coalesced batch: a late handshake datagram could only be its short tail.
    const uint32_t tail = len % c.segment_size;
    if (tail == kHandshakeSize && isHandshake(r.data + (len - tail), tail)) c.bytes -= tail;
  }
  if (hw_ts != 0) {
    c.ts_source = TimestampSource::kHardware;
    c.rx_timestamp_ns = hw_ts;
  } else if (sw_ts != 0) {
    c.ts_source = TimestampSource::kSoftware;
    c.rx_timestamp_ns = sw_ts;
  } else if (ts_mode_ != TimestampSource::kNone) {
    c.ts_source = TimestampSource::kUserSpace;
    c.rx_timestamp_ns = user_ts;
  }
  return true;
}

size_t UdpConnection::receiveInto(std::span<Completion> out) noexcept {
  size_t vlen = posted_.size();
  if (vlen > kRecvBatch) vlen = kRecvBatch;
  if (vlen > out.size()) vlen = out.size();
  if (vlen == 0) return 0;
  for (size_t j = 0; j < vlen; ++j) {
    const RecvOp& r = posted_.at(j);
    riov_[j].iov_base = r.data;
    riov_[j].iov_len = r.capacity;
    msghdr& h = rmsgs_[j].msg_hdr;
    h.msg_control = rcmsg_[j].data();
    h.msg_controllen = kRecvCmsgBytes;
    h.msg_flags = 0;
  }
  int n = recvmmsg(fd_.get(), rmsgs_.data(), static_cast<unsigned>(vlen), MSG_DONTWAIT, nullptr);
  ++stats_.recv_calls;
  drained_ = n < static_cast<int>(vlen);
  if (n < 0) {
    const int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) return 0;
    // A socket error (ICMP unreachable after the peer left): fail one receive so it is seen.
    Completion& c = out[0];
    c = Completion{};
    c.id = posted_.front().id;
    c.status = OpStatus::kError;
    c.error = err;
    posted_.pop();
    return 1;
  }
  const int64_t user_ts = ts_mode_ != TimestampSource::kNone ? wallNowNs() : 0;
  size_t produced = 0;
  for (size_t j = 0; j < static_cast<size_t>(n); ++j) {
    const RecvOp r = posted_.front();
    posted_.pop();
    if (fillRecvCompletion(j, r, user_ts, out[produced])) {
      ++produced;
    } else {
      posted_.push(r);  // not data: the buffer goes back to the end of the ring
    }
  }
  return produced;
}

size_t UdpConnection::poll(std::span<Completion> out, int64_t timeout_ns) noexcept {
  if (out.empty()) return 0;
  int64_t deadline = 0;
  for (;;) {
    if (partial_.active) sendLoop({});
    size_t n = completions_.drainTo(out);
    // Skip a receive that would find nothing: when the socket was drained and we either have
    // something to return or are about to wait anyway (the wait re-checks readiness).
    const bool skip_receive = drained_ && (n > 0 || timeout_ns > 0);
    if (n < out.size() && !posted_.empty() && !skip_receive) n += receiveInto(out.subspan(n));
    if (n > 0 || timeout_ns <= 0) return n;
    if (posted_.empty() && !partial_.active) return 0;  // nothing could complete
    const int64_t now = monoNowNs();
    if (deadline == 0) deadline = now + timeout_ns;
    if (now >= deadline) return 0;
    const int64_t left = deadline - now;
    pollfd p{fd_.get(), static_cast<short>((posted_.empty() ? 0 : POLLIN) | (partial_.active ? POLLOUT : 0)), 0};
    timespec ts{static_cast<time_t>(left / kNsPerSec), static_cast<long>(left % kNsPerSec)};
    if (ppoll(&p, 1, &ts, nullptr) > 0 && (p.revents & (POLLIN | POLLERR))) drained_ = false;
  }
}

}  // namespace fabcheck::transport::udp
