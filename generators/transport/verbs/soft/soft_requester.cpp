// The requester side of a QP: transmission (RC pieces, UD datagrams), ACK/NAK/READ-response
// handling, the ACK timeout and RNR retries, and in-order completion of the send queue.
#include <algorithm>
#include <vector>

#include "generators/transport/verbs/soft/soft_device.h"
#include "generators/transport/verbs/soft/soft_qp_rules.h"

namespace fabcheck::transport::verbs::soft {

namespace {
constexpr uint64_t kRequesterBackoffNs = 50'000;

ibv_wc_status nakStatus(uint8_t nak) {
  switch (nak) {
    case kNakRemoteAccess: return IBV_WC_REM_ACCESS_ERR;
    case kNakInvalidRequest: return IBV_WC_REM_INV_REQ_ERR;
    default: return IBV_WC_REM_OP_ERR;
  }
}
}  // namespace

int SoftDevice::wqeIndexOf(SoftQp* qp, uint32_t psn) const {
  for (size_t i = 0; i < qp->sq.size(); ++i)
    if (psnDiff(psn, qp->sq[i].psn) < qp->sq[i].npkts) return static_cast<int>(i);
  return -1;
}

void SoftDevice::rewindTo(SoftQp* qp, uint32_t psn) {
  int idx = wqeIndexOf(qp, psn);
  if (idx < 0) return;
  for (size_t j = static_cast<size_t>(idx); j < qp->sq.size(); ++j) {
    SoftSendWqe& w = qp->sq[j];
    w.sent_pkts = (static_cast<int>(j) == idx && w.opcode != IBV_WR_RDMA_READ) ? psnDiff(psn, w.psn) : 0;
    w.read_bytes = 0;
  }
  qp->sq_next = static_cast<size_t>(idx);
}

void SoftDevice::retireDone(SoftQp* qp) {
  while (!qp->sq.empty() && qp->ibv.state == IBV_QPS_RTS) {
    SoftSendWqe& head = qp->sq.front();
    if (head.local_error != IBV_WC_SUCCESS) {
      SoftSendWqe failed = std::move(head);
      qp->sq.pop_front();
      completeSend(qp, failed, failed.local_error);
      moveToError(qp);
      return;
    }
    if (!head.done) break;
    SoftSendWqe done = std::move(head);
    qp->sq.pop_front();
    if (qp->sq_next > 0) --qp->sq_next;
    completeSend(qp, done, IBV_WC_SUCCESS);
  }
}

void SoftDevice::requesterRun(SoftQp* qp, uint64_t now) {
  if (qp->ibv.state != IBV_QPS_RTS) return;
  if (qp->ack_deadline != 0 && now >= qp->ack_deadline) {
    qp->ack_deadline = 0;
    if (!qp->sq.empty() && ++qp->retries > qp->attr.retry_cnt) {
      qp->sq.front().local_error = IBV_WC_RETRY_EXC_ERR;
      qp->sq_next = 0;
    } else if (!qp->sq.empty()) {
      const SoftSendWqe& head = qp->sq.front();
      uint32_t from = (qp->acked_psn + 1) & kPsnMask;
      rewindTo(qp, wqeIndexOf(qp, from) == 0 ? from : head.psn);
    }
  }
  retireDone(qp);
  if (qp->ibv.state != IBV_QPS_RTS || now < qp->resume_at) return;
  while (qp->sq_next < qp->sq.size()) {
    SoftSendWqe& w = qp->sq[qp->sq_next];
    if (w.local_error != IBV_WC_SUCCESS) break;
    bool sent = qp->ibv.qp_type == IBV_QPT_UD ? transmitUd(qp, w) : transmitRc(qp, w, now);
    if (!sent) {
      qp->resume_at = now + kRequesterBackoffNs;
      break;
    }
    ++qp->sq_next;
  }
  retireDone(qp);
}

bool SoftDevice::transmitRc(SoftQp* qp, SoftSendWqe& w, uint64_t now) {
  std::vector<uint8_t> buf;
  while (w.sent_pkts < w.npkts) {
    PacketHeader h;
    fillPath(qp, qp->attr.ah_attr, h);
    h.type = kPktRequest;
    h.opcode = static_cast<uint8_t>(w.opcode);
    h.psn = (w.psn + w.sent_pkts) & kPsnMask;
    h.first = w.sent_pkts == 0;
    h.last = w.sent_pkts + 1 == w.npkts;
    h.imm = w.imm;
    h.remote_addr = w.remote_addr;
    h.rkey = w.rkey;
    h.total_len = w.length;
    if (w.opcode != IBV_WR_RDMA_READ) {
      h.offset = w.sent_pkts * kMaxPiece;
      h.payload_len = std::min(kMaxPiece, w.length - h.offset);
      buf.resize(h.payload_len);
      gather(w, h.offset, h.payload_len, buf.data());
    }
    if (sendPacket(qp->attr.dest_qp_num, h, buf.data()) == EAGAIN) return false;
    ++w.sent_pkts;
  }
  if (qp->ack_deadline == 0 && qp->attr.timeout != 0) qp->ack_deadline = now + ackTimeoutNs(qp->attr.timeout);
  return true;
}

bool SoftDevice::transmitUd(SoftQp* qp, SoftSendWqe& w) {
  PacketHeader h;
  fillPath(qp, w.ah, h);
  h.type = kPktUd;
  h.opcode = static_cast<uint8_t>(w.opcode);
  h.imm = w.imm;
  h.qkey = (w.remote_qkey & 0x80000000u) ? qp->attr.qkey : w.remote_qkey;
  h.payload_len = w.length;
  std::vector<uint8_t> buf(w.length);
  gather(w, 0, w.length, buf.data());
  if (sendPacket(w.remote_qpn, h, buf.data()) == EAGAIN) return false;
  w.done = true;  // unreliable: sent is done, whether or not anything received it
  return true;
}

void SoftDevice::onAck(SoftQp* qp, const PacketHeader& h, uint64_t now) {
  if (qp->ibv.state != IBV_QPS_RTS || qp->sq_next == 0) return;
  uint32_t head_psn = qp->sq.front().psn;
  uint32_t d = psnDiff(h.psn, head_psn);
  const SoftSendWqe& last_sent = qp->sq[qp->sq_next - 1];
  if (d > psnDiff(last_sent.psn + last_sent.npkts - 1, head_psn)) return;  // stale or foreign
  for (size_t i = 0; i < qp->sq_next; ++i) {
    SoftSendWqe& w = qp->sq[i];
    if (w.opcode != IBV_WR_RDMA_READ && psnDiff(w.psn + w.npkts - 1, head_psn) <= d) w.done = true;
  }
  qp->acked_psn = h.psn;
  qp->retries = qp->rnr_retries = 0;
  retireDone(qp);
  qp->ack_deadline = (qp->sq_next > 0 && qp->attr.timeout != 0) ? now + ackTimeoutNs(qp->attr.timeout) : 0;
}

void SoftDevice::onNak(SoftQp* qp, const PacketHeader& h, uint64_t now) {
  if (qp->ibv.state != IBV_QPS_RTS) return;
  int idx = wqeIndexOf(qp, h.psn);
  if (idx < 0 || static_cast<size_t>(idx) >= qp->sq_next) return;
  for (int i = 0; i < idx; ++i)  // a NAK acknowledges everything before it
    if (qp->sq[i].opcode != IBV_WR_RDMA_READ) qp->sq[i].done = true;
  SoftSendWqe& w = qp->sq[idx];
  if (h.nak == kNakRnr) {
    bool forever = qp->attr.rnr_retry == 7;
    if (forever || ++qp->rnr_retries <= qp->attr.rnr_retry) {
      rewindTo(qp, h.psn);
      qp->resume_at = now + rnrTimerNs(h.rnr_timer);
      qp->ack_deadline = 0;
      retireDone(qp);
      return;
    }
    w.local_error = IBV_WC_RNR_RETRY_EXC_ERR;
  } else {
    w.local_error = nakStatus(h.nak);
  }
  qp->sq_next = static_cast<size_t>(idx);
  qp->ack_deadline = 0;
  retireDone(qp);
}

void SoftDevice::onReadResponse(SoftQp* qp, const PacketHeader& h, const std::vector<uint8_t>& data,
                                uint64_t now) {
  if (qp->ibv.state != IBV_QPS_RTS) return;
  int idx = wqeIndexOf(qp, h.psn);
  if (idx < 0 || static_cast<size_t>(idx) >= qp->sq_next) return;
  SoftSendWqe& w = qp->sq[idx];
  if (w.opcode != IBV_WR_RDMA_READ || h.offset != w.read_bytes || w.done) return;
  uint32_t n = std::min<uint32_t>(static_cast<uint32_t>(data.size()), w.length - w.read_bytes);
  scatter(w.sges, h.offset, data.data(), n);
  w.read_bytes += n;
  if (!h.last) return;
  w.done = true;
  for (int i = 0; i < idx; ++i)
    if (qp->sq[i].opcode != IBV_WR_RDMA_READ) qp->sq[i].done = true;
  qp->acked_psn = h.psn;
  qp->retries = qp->rnr_retries = 0;
  retireDone(qp);
  qp->ack_deadline = (qp->sq_next > 0 && qp->attr.timeout != 0) ? now + ackTimeoutNs(qp->attr.timeout) : 0;
}

}  // namespace fabcheck::transport::verbs::soft
