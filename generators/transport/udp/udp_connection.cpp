// UdpConnection: construction, memory registration and the send path (udp_connection.h).
#include "generators/transport/udp/udp_connection.h"

#include <netinet/in.h>
#include <netinet/udp.h>

#include <cerrno>
#include <cstring>

namespace fabcheck::transport::udp {

UdpConnection::UdpConnection(Fd fd, const UdpConnectionConfig& config)
    : fd_(std::move(fd)),
      max_payload_(maxPayload(config.family)),
      gso_(config.setup.gso),
      gro_(config.setup.gro),
      ts_mode_(config.setup.rx_timestamps),
      nonce_(config.nonce),
      is_server_(config.is_server),
      completions_(4 * kSendBatch + 2 * kMaxPostedRecvs),
      posted_(kMaxPostedRecvs),
      smsgs_(kSendBatch),
      siov_(kSendBatch),
      smsg_source_(kSendBatch),
      smsg_end_(kSendBatch),
      smsg_last_(kSendBatch),
      scmsg_(kSendBatch),
      rmsgs_(kRecvBatch),
      riov_(kRecvBatch),
      rcmsg_(kRecvBatch) {
  description_ = "udp " + localAddress(fd_.get()).toString() + " -> " + peerAddress(fd_.get()).toString();
  for (size_t i = 0; i < kSendBatch; ++i) {
    std::memset(&smsgs_[i], 0, sizeof(mmsghdr));
    smsgs_[i].msg_hdr.msg_iov = &siov_[i];
    smsgs_[i].msg_hdr.msg_iovlen = 1;
    scmsg_[i].fill(0);
    auto* cm = reinterpret_cast<cmsghdr*>(scmsg_[i].data());
    cm->cmsg_level = SOL_UDP;
    cm->cmsg_type = UDP_SEGMENT;
    cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
  }
  for (size_t i = 0; i < kRecvBatch; ++i) {
    std::memset(&rmsgs_[i], 0, sizeof(mmsghdr));
    rmsgs_[i].msg_hdr.msg_iov = &riov_[i];
    rmsgs_[i].msg_hdr.msg_iovlen = 1;
  }
}

MemoryRegion UdpConnection::registerMemory(std::byte* data, size_t size) { return unregisteredRegion(data, size); }

void UdpConnection::deregisterMemory(MemoryRegion& region) noexcept { region = MemoryRegion{}; }

void UdpConnection::completeSend(const SendOp& op, OpStatus status, int error, uint32_t bytes) noexcept {
  Completion c;
  c.id = op.id;
  c.is_send = true;
  c.status = status;
  c.error = error;
  c.bytes = bytes;
  c.segment_size = op.segment_size == 0 ? bytes : op.segment_size;
  if (status == OpStatus::kError) ++stats_.send_errors;
  completions_.push(c);  // room was reserved by sendLoop()
}

bool UdpConnection::validSend(const SendOp& op, Completion& failed) const noexcept {
  failed = Completion{};
  failed.id = op.id;
  failed.is_send = true;
  if (op.opcode != Opcode::kSend) {
    failed.status = OpStatus::kUnsupported;
    return false;
  }
  const bool single = op.segment_size == 0 || op.segment_size >= op.length;
  int err = 0;
  if (op.length > kMaxPostBytes || (single && op.length > max_payload_) || op.segment_size > max_payload_) {
    err = EMSGSIZE;
  } else if (op.data == nullptr && op.length > 0) {
    err = EFAULT;
  }
  if (err == 0) return true;
  failed.status = OpStatus::kError;
  failed.error = err;
  return false;
}

uint32_t UdpConnection::addMessages(const SendOp& op, uint32_t offset, uint32_t source, size_t& n) noexcept {
  const bool single = op.segment_size == 0 || op.segment_size >= op.length;
  do {
    const uint32_t remaining = op.length - offset;
    uint32_t chunk = remaining;
    bool gso_cmsg = false;
    if (!single) {
      const uint32_t seg = op.segment_size;
      if (gso_) {
        uint32_t max_segs = max_payload_ / seg;
        if (max_segs > kMaxGsoSegments) max_segs = kMaxGsoSegments;
        if (chunk > max_segs * seg) chunk = max_segs * seg;
        gso_cmsg = chunk > seg;
      } else if (chunk > seg) {
        chunk = seg;
      }
    }
    msghdr& h = smsgs_[n].msg_hdr;
    siov_[n].iov_base = const_cast<std::byte*>(op.data) + offset;
    siov_[n].iov_len = chunk;
    if (gso_cmsg) {
      auto* cm = reinterpret_cast<cmsghdr*>(scmsg_[n].data());
      const uint16_t seg16 = static_cast<uint16_t>(op.segment_size);
      std::memcpy(CMSG_DATA(cm), &seg16, sizeof seg16);
      h.msg_control = cm;
      h.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
    } else {
      h.msg_control = nullptr;
      h.msg_controllen = 0;
    }
    offset += chunk;
    smsg_source_[n] = source;
    smsg_end_[n] = offset;
    smsg_last_[n] = offset == op.length;
    ++n;
  } while (offset < op.length && n < kSendBatch);
  return offset;
}

size_t UdpConnection::postSend(std::span<const SendOp> ops) noexcept {
  const size_t accepted = sendLoop(ops);
  if (accepted < ops.size()) ++stats_.send_backpressure;
  return accepted;
}

// Sends the unfinished op (if any), then ops in order, batch after batch, until all went out or
// the socket (or the completion queue) is full. Returns how many of `ops` were accepted.
size_t UdpConnection::sendLoop(std::span<const SendOp> ops) noexcept {
  size_t idx = 0;     // first op of `ops` not yet accepted
  uint32_t off = 0;   // bytes of ops[idx] already sent
  for (;;) {
    // Each batch completes at most kSendBatch + 1 ops; keep room for their completions.
    if (completions_.free() < kSendBatch + 2) break;
    size_t n = 0;
    // partial_.offset advances only by what the kernel took (below).
    if (partial_.active) addMessages(partial_.op, partial_.offset, kFromPartial, n);
    size_t k = idx;
    uint32_t o = off;
    while (k < ops.size() && n < kSendBatch) {
      Completion failed;
      if (o == 0 && !validSend(ops[k], failed)) {
        if (n > 0) break;  // flush what is batched first, keeping order
        if (failed.status == OpStatus::kError) ++stats_.send_errors;
        completions_.push(failed);
        idx = ++k;
        continue;
      }
      o = addMessages(ops[k], o, static_cast<uint32_t>(k), n);
      if (o < ops[k].length) break;  // batch full inside this op
      ++k;
      o = 0;
    }
    if (n == 0) break;

    int sent = sendmmsg(fd_.get(), smsgs_.data(), static_cast<unsigned>(n), MSG_DONTWAIT | MSG_NOSIGNAL);
    ++stats_.send_calls;
    int err = 0;
    if (sent < 0) {
      err = errno;
      sent = 0;
    }
    for (size_t j = 0; j < static_cast<size_t>(sent); ++j) {
      const uint32_t src = smsg_source_[j];
      const bool last = smsg_last_[j] != 0;
      if (src == kFromPartial) {
        partial_.offset = smsg_end_[j];
        if (last) {
          partial_.active = false;
          completeSend(partial_.op, OpStatus::kOk, 0, partial_.op.length);
        }
      } else if (last) {
        completeSend(ops[src], OpStatus::kOk, 0, ops[src].length);
        idx = src + 1;
        off = 0;
      } else {
        idx = src;
        off = smsg_end_[j];
      }
    }
    if (static_cast<size_t>(sent) == n) continue;
    if (err == 0 || err == EINTR) continue;  // retry from the first unsent datagram to learn why
    if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) break;
    // A hard error for the first unsent datagram: its op fails, the rest carry on.
    if (smsg_source_[sent] == kFromPartial) {
      partial_.active = false;
      completeSend(partial_.op, OpStatus::kError, err, partial_.offset);
    } else {
      completeSend(ops[idx], OpStatus::kError, err, off);
      ++idx;
      off = 0;
    }
  }
  if (off > 0 && idx < ops.size()) {  // ops[idx] went out in part: finish it later
    partial_.op = ops[idx];
    partial_.offset = off;
    partial_.active = true;
    ++idx;
  }
  return idx;
}

}  // namespace fabcheck::transport::udp
