// VerbsConnection's data path: post, poll, completions and errors (verbs_connection.h).
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>

#include "generators/core/clock.h"
#include "generators/transport/verbs/verbs_connection.h"
#include "generators/transport/verbs/verbs_qp_setup.h"
#include "generators/transport/verbs/verbs_status.h"

namespace fabcheck::transport::verbs {
namespace {

constexpr uint64_t kRecvTag = uint64_t{1} << 63;
constexpr uint64_t kSeqMask = (uint64_t{1} << 40) - 1;
constexpr uint32_t kTruncatedBit = 0x80000000u;

uint64_t sendWrId(size_t qp, uint64_t seq) { return (static_cast<uint64_t>(qp) << 40) | (seq & kSeqMask); }

const char* opName(ibv_wc_opcode op) {
  switch (op) {
    case IBV_WC_SEND: return "SEND";
    case IBV_WC_RDMA_WRITE: return "RDMA WRITE";
    case IBV_WC_RDMA_READ: return "RDMA READ";
    case IBV_WC_RECV: return "receive";
    case IBV_WC_RECV_RDMA_WITH_IMM: return "receive (WRITE WITH IMMEDIATE)";
    default: return "work request";
  }
}

}  // namespace

bool VerbsConnection::ctsReady() const noexcept {
  const auto* e = reinterpret_cast<const CtsEntry*>(fifo_.mem.get()) + send_seq_ % mine_.fifo_entries;
  return __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE) == send_seq_ + 1;
}

void VerbsConnection::addWr(SendBatch& b, size_t qp, ibv_send_wr wr, ibv_sge sge, uint64_t id, bool internal) noexcept {
  Qp& q = qps_[qp];
  const uint64_t seq = q.next_seq++;
  wr.wr_id = sendWrId(qp, seq);
  wr.num_sge = sge.length > 0 ? 1 : 0;
  if (++q.unsignalled >= o_.cq_mod) {
    wr.send_flags |= IBV_SEND_SIGNALED;
    q.unsignalled = 0;
  }
  q.pending.push_back(Pending{.id = id, .bytes = sge.length, .seq = seq, .internal = internal});
  b.wrs[qp].push_back(wr);
  b.sges[qp].push_back(sge);
}

// Chooses the QP and the work request for one op; false = back-pressure (not accepted).
bool VerbsConnection::buildSend(const SendOp& op, SendBatch& b) noexcept {
  if (!connected_ || op.region == nullptr || op.region->native == nullptr || op.segment_size != 0) {
    noteError("verbs: " + describe() + ": a send must name memory registered on this connection, one message per op" +
              (connected_ ? "" : ", after the connection is up"));
    pushError(op.id, true, EINVAL);
    return true;
  }
  ibv_sge sge{.addr = reinterpret_cast<uint64_t>(op.data), .length = op.length, .lkey = op.region->local_key};
  ibv_send_wr wr{};
  size_t qp = next_qp_;
  const bool two_sided = op.opcode == Opcode::kSend;
  if (two_sided && o_.verb == Verb::kWriteImm) {
    if (!ctsReady()) return false;
    qp = send_seq_ % qps_.size();
    if (qps_[qp].pending.size() >= o_.tx_depth) return false;
    const auto* e = reinterpret_cast<const CtsEntry*>(fifo_.mem.get()) + send_seq_ % mine_.fifo_entries;
    const bool truncated = op.length > e->capacity;
    sge.length = std::min(op.length, e->capacity);
    wr.opcode = IBV_WR_RDMA_WRITE_WITH_IMM;
    wr.imm_data = htonl(static_cast<uint32_t>(send_seq_ & 0x7fffffff) | (truncated ? kTruncatedBit : 0));
    wr.wr.rdma.remote_addr = e->addr;
    wr.wr.rdma.rkey = e->rkey;
    ++send_seq_;
  } else {
    if (qps_[qp].pending.size() >= o_.tx_depth) return false;
    next_qp_ = (next_qp_ + 1) % qps_.size();
    if (two_sided) {
      wr.opcode = IBV_WR_SEND;
      if (o_.connection == QpKind::kUd) wr.wr.ud = {.ah = ah_, .remote_qpn = peer_.qpns[qp], .remote_qkey = peer_.qkey};
    } else if (o_.connection == QpKind::kUd) {
      pushError(op.id, true, EOPNOTSUPP, OpStatus::kUnsupported);
      return true;
    } else {
      wr.opcode = op.opcode == Opcode::kRead ? IBV_WR_RDMA_READ
                  : op.opcode == Opcode::kWrite ? IBV_WR_RDMA_WRITE : IBV_WR_RDMA_WRITE_WITH_IMM;
      wr.imm_data = htonl(op.immediate);
      wr.wr.rdma.remote_addr = op.remote_addr;
      wr.wr.rdma.rkey = op.remote_key;
    }
  }
  if (qps_[qp].failed) {
    pushError(op.id, true, ECANCELED, OpStatus::kFlushed);
    return true;
  }
  if (wr.opcode != IBV_WR_RDMA_READ && sge.length > 0 && sge.length <= inline_bytes_) wr.send_flags |= IBV_SEND_INLINE;
  addWr(b, qp, wr, sge, op.id, false);
  return true;
}

// Posts each QP's work requests, post_list at a time; the last per QP is signalled so that
// every op completes. A refused post fails the QP (its ops complete with the error).
void VerbsConnection::flushBatch(SendBatch& b) noexcept {
  for (size_t qp = 0; qp < qps_.size(); ++qp) {
    auto& wrs = b.wrs[qp];
    if (wrs.empty()) continue;
    if (!(wrs.back().send_flags & IBV_SEND_SIGNALED)) {
      wrs.back().send_flags |= IBV_SEND_SIGNALED;
      qps_[qp].unsignalled = 0;
    }
    for (size_t i = 0; i < wrs.size(); ++i) {
      wrs[i].sg_list = &b.sges[qp][i];
      wrs[i].next = (i + 1 < wrs.size() && (i + 1) % o_.post_list != 0) ? &wrs[i + 1] : nullptr;
    }
    for (size_t first = 0; first < wrs.size(); first += o_.post_list) {
      ibv_send_wr* bad = nullptr;
      ++stats_.send_calls;
      if (int e = dev_->api().postSend(qps_[qp].qp, &wrs[first], &bad); e != 0) {
        failQp(qp, "verbs: " + qpText(qp) + ": ibv_post_send refused a work request: " + errnoWords(e));
        break;
      }
    }
    wrs.clear();
    b.sges[qp].clear();
  }
}

size_t VerbsConnection::postSend(std::span<const SendOp> ops) noexcept {
  SendBatch& b = batch_;
  size_t accepted = 0;
  for (const SendOp& op : ops) {
    if (cq_broken_) {
      pushError(op.id, true, EIO);
    } else if (!buildSend(op, b)) {
      break;
    }
    ++accepted;
  }
  flushBatch(b);
  if (accepted < ops.size()) ++stats_.send_backpressure;
  return accepted;
}

size_t VerbsConnection::postRecvSend(std::span<const RecvOp> ops) noexcept {
  size_t accepted = 0;
  for (const RecvOp& op : ops) {
    const size_t qp = next_recv_qp_;
    if (free_slots_.empty() || qps_[qp].recvs >= o_.rx_depth) break;
    const uint32_t slot = free_slots_.back();
    std::array<ibv_sge, 2> sge{};
    int n = 0;
    if (o_.connection == QpKind::kUd) {
      sge[n++] = ibv_sge{.addr = reinterpret_cast<uint64_t>(grh_.mem.get()) + uint64_t{slot} * kUdGrhBytes,
                         .length = kUdGrhBytes, .lkey = grh_.mr->lkey};
    }
    const uint32_t lkey = op.region != nullptr ? op.region->local_key : 0;
    sge[n++] = ibv_sge{.addr = reinterpret_cast<uint64_t>(op.data), .length = op.capacity, .lkey = lkey};
    ibv_recv_wr wr{.wr_id = kRecvTag | slot, .next = nullptr, .sg_list = sge.data(), .num_sge = n};
    ibv_recv_wr* bad = nullptr;
    ++stats_.recv_calls;
    if (int e = dev_->api().postRecv(qps_[qp].qp, &wr, &bad); e != 0) {
      noteError("verbs: " + qpText(qp) + ": ibv_post_recv refused a receive: " + errnoWords(e) +
                (op.region == nullptr ? " (the buffer names no registered memory)" : ""));
      pushError(op.id, false, e);
    } else {
      free_slots_.pop_back();
      recv_slots_[slot] = RecvSlot{.id = op.id, .busy = true};
      ++qps_[qp].recvs;
      next_recv_qp_ = (next_recv_qp_ + 1) % qps_.size();
    }
    ++accepted;
  }
  return accepted;
}

// write_imm: a receive for the immediate, and a CTS entry naming the buffer, written into the
// peer's FIFO on the QP that the peer will use for that entry.
size_t VerbsConnection::postRecvCts(std::span<const RecvOp> ops) noexcept {
  SendBatch& b = batch_;
  size_t accepted = 0;
  auto* staging = reinterpret_cast<CtsEntry*>(staging_.mem.get());
  for (const RecvOp& op : ops) {
    const uint64_t s = cts_posted_;
    const uint32_t slot = static_cast<uint32_t>(s % mine_.fifo_entries);
    const size_t qp = s % qps_.size();
    if (recv_slots_[slot].busy || qps_[qp].recvs >= o_.rx_depth || qps_[qp].pending.size() >= o_.tx_depth) break;
    if (op.region == nullptr || qps_[qp].failed) {
      pushError(op.id, false, EINVAL);
      ++accepted;
      continue;
    }
    ibv_recv_wr wr{.wr_id = kRecvTag | slot, .next = nullptr, .sg_list = nullptr, .num_sge = 0};
    ibv_recv_wr* bad = nullptr;
    ++stats_.recv_calls;
    if (int e = dev_->api().postRecv(qps_[qp].qp, &wr, &bad); e != 0) {
      noteError("verbs: " + qpText(qp) + ": ibv_post_recv refused a receive: " + errnoWords(e));
      pushError(op.id, false, e);
      ++accepted;
      continue;
    }
    recv_slots_[slot] = RecvSlot{.id = op.id, .busy = true};
    ++qps_[qp].recvs;
    staging[slot] = CtsEntry{.addr = reinterpret_cast<uint64_t>(op.data), .rkey = op.region->remote_key,
                             .capacity = op.capacity, .seq = s + 1};
    ibv_send_wr w{};
    w.opcode = IBV_WR_RDMA_WRITE;
    w.wr.rdma.remote_addr = peer_.fifo_addr + uint64_t{slot} * sizeof(CtsEntry);
    w.wr.rdma.rkey = peer_.fifo_rkey;
    if (sizeof(CtsEntry) <= inline_bytes_) w.send_flags |= IBV_SEND_INLINE;
    addWr(b, qp, w, ibv_sge{reinterpret_cast<uint64_t>(&staging[slot]), sizeof(CtsEntry), staging_.mr->lkey}, 0, true);
    ++cts_posted_;
    ++accepted;
  }
  flushBatch(b);
  return accepted;
}

size_t VerbsConnection::postRecv(std::span<const RecvOp> ops) noexcept {
  if (!connected_ || cq_broken_) {
    for (const RecvOp& op : ops) pushError(op.id, false, cq_broken_ ? EIO : ENOTCONN);
    return ops.size();
  }
  return o_.verb == Verb::kWriteImm ? postRecvCts(ops) : postRecvSend(ops);
}

void VerbsConnection::pushError(uint64_t id, bool is_send, int err, OpStatus status) noexcept {
  ready_.push_back(Completion{.id = id, .is_send = is_send, .status = status, .error = err});
  if (is_send) ++stats_.send_errors;
}

void VerbsConnection::noteError(const std::string& why) noexcept {
  if (first_error_.empty()) first_error_ = why;
}

// The QP is in error: every send still pending on it completes now (the first with `why`, the
// rest flushed); its receives come back flushed from the device.
void VerbsConnection::failQp(size_t qp, const std::string& why) noexcept {
  noteError(why);
  Qp& q = qps_[qp];
  q.failed = true;
  bool first = true;
  for (const Pending& p : q.pending) {
    if (p.internal) continue;
    pushError(p.id, true, first ? EIO : ECANCELED, first ? OpStatus::kError : OpStatus::kFlushed);
    first = false;
  }
  q.pending.clear();
}

void VerbsConnection::onSendWc(const ibv_wc& wc) noexcept {
  const size_t qp = static_cast<size_t>(wc.wr_id >> 40);
  const uint64_t seq = wc.wr_id & kSeqMask;
  if (qp >= qps_.size()) return;
  Qp& q = qps_[qp];
  if (wc.status != IBV_WC_SUCCESS) {
    if (q.failed) return;
    if (wc.status != IBV_WC_WR_FLUSH_ERR) {
      char vendor[32];
      std::snprintf(vendor, sizeof vendor, "0x%x", wc.vendor_err);
      const char* advice = statusAdvice(wc.status);
      noteError("verbs: " + qpText(qp) + ": " + statusWords(wc.status) + " (vendor error " + vendor + ")" +
                (*advice ? std::string("; ") + advice : std::string()));
    }
    const int err = statusErrno(wc.status);
    for (const Pending& p : q.pending) {
      if (!p.internal) pushError(p.id, true, err, wc.status == IBV_WC_WR_FLUSH_ERR ? OpStatus::kFlushed : OpStatus::kError);
    }
    q.pending.clear();
    q.failed = true;
    return;
  }
  while (!q.pending.empty() && q.pending.front().seq <= seq) {  // in order: the unsignalled ones before it too
    const Pending p = q.pending.front();
    q.pending.pop_front();
    if (!p.internal) ready_.push_back(Completion{.id = p.id, .is_send = true, .bytes = p.bytes});
  }
}

void VerbsConnection::onRecvWc(const ibv_wc& wc, int64_t wall_ns) noexcept {
  const uint32_t slot = static_cast<uint32_t>(wc.wr_id & ~kRecvTag);
  if (slot >= recv_slots_.size() || !recv_slots_[slot].busy) return;
  const uint64_t id = recv_slots_[slot].id;
  recv_slots_[slot].busy = false;
  if (o_.verb != Verb::kWriteImm) free_slots_.push_back(slot);
  for (Qp& q : qps_) {
    if (q.qp->qp_num == wc.qp_num && q.recvs > 0) --q.recvs;
  }
  if (wc.status != IBV_WC_SUCCESS) {
    if (wc.status != IBV_WC_WR_FLUSH_ERR) {
      noteError("verbs: " + dev_->describe() + " QP " + std::to_string(wc.qp_num) + ": " + opName(wc.opcode) + " " +
                statusWords(wc.status));
    }
    pushError(id, false, statusErrno(wc.status),
              wc.status == IBV_WC_WR_FLUSH_ERR ? OpStatus::kFlushed : OpStatus::kError);
    return;
  }
  Completion c{.id = id, .is_send = false, .bytes = wc.byte_len};
  if (o_.connection == QpKind::kUd) {
    c.bytes = wc.byte_len >= kUdGrhBytes ? wc.byte_len - kUdGrhBytes : 0;
    if (wc.wc_flags & IBV_WC_GRH) readGrhTrafficClass(slot, c);
  }
  if (o_.verb == Verb::kWriteImm && (ntohl(wc.imm_data) & kTruncatedBit)) c.status = OpStatus::kTruncated;
  if (c.status == OpStatus::kTruncated) ++stats_.recv_truncated;
  c.segment_size = c.bytes;
  c.ts_source = cq_.timestampSource();
  c.rx_timestamp_ns = wall_ns;
  ready_.push_back(c);
}

// The traffic class of a UD message from its GRH: RoCEv2 over IPv4 puts the IPv4 header in the
// last 20 of the 40 bytes (TOS at byte 21); otherwise the 40 bytes are an IPv6-shaped GRH.
void VerbsConnection::readGrhTrafficClass(uint32_t slot, Completion& c) const noexcept {
  const auto* g = reinterpret_cast<const uint8_t*>(grh_.mem.get()) + size_t{slot} * kUdGrhBytes;
  if (g[20] == 0x45) {
    c.tos = g[21];
  } else if ((g[0] >> 4) == 6) {
    c.tos = static_cast<uint8_t>(((g[0] & 0x0f) << 4) | (g[1] >> 4));
  } else {
    return;
  }
  c.tos_valid = true;
}

size_t VerbsConnection::reap(std::span<Completion> out) noexcept {
  if (ready_.empty() && !cq_broken_) {
    std::array<ibv_wc, 64> wc{};
    std::array<int64_t, 64> wall{};
    const int got = cq_.poll(wc.data(), wall.data(), static_cast<int>(wc.size()));
    if (got < 0) {
      cq_broken_ = true;
      for (size_t qp = 0; qp < qps_.size(); ++qp) {
        failQp(qp, "verbs: " + dev_->describe() + ": the completion queue overran (more completions than its " +
                       std::to_string(cq_.cq()->cqe) + " entries); raise the CQ size or poll more often");
      }
      for (RecvSlot& r : recv_slots_) {
        if (r.busy) pushError(r.id, false, EIO);
        r.busy = false;
      }
    }
    for (int i = 0; i < got; ++i) {
      if (wc[static_cast<size_t>(i)].wr_id & kRecvTag) {
        onRecvWc(wc[static_cast<size_t>(i)], wall[static_cast<size_t>(i)]);
      } else {
        onSendWc(wc[static_cast<size_t>(i)]);
      }
    }
  }
  size_t n = 0;
  while (n < out.size() && !ready_.empty()) {
    out[n++] = ready_.front();
    ready_.pop_front();
  }
  return n;
}

size_t VerbsConnection::poll(std::span<Completion> out, int64_t timeout_ns) noexcept {
  size_t n = reap(out);
  if (n > 0 || timeout_ns <= 0) return n;
  const int64_t deadline = monoNowNs() + timeout_ns;
  for (;;) {
    const int64_t left = deadline - monoNowNs();
    if (left <= 0) return 0;
    cq_.wait(left);
    n = reap(out);
    if (n > 0) return n;
  }
}

}  // namespace fabcheck::transport::verbs
