// The responder side of a QP: PSN checking, receive consumption and RNR, remote key and access
// checks, placing SEND/WRITE data, answering READs, ACK/NAK, and UD reception with its GRH.
#include <algorithm>
#include <cstring>

#include "generators/transport/verbs/soft/soft_device.h"

namespace fabcheck::transport::verbs::soft {

namespace {

bool needsRecv(uint8_t op) {
  return op == IBV_WR_SEND || op == IBV_WR_SEND_WITH_IMM || op == IBV_WR_RDMA_WRITE_WITH_IMM;
}

bool isRdma(uint8_t op) {
  return op == IBV_WR_RDMA_WRITE || op == IBV_WR_RDMA_WRITE_WITH_IMM || op == IBV_WR_RDMA_READ;
}

bool receiving(const SoftQp& qp) { return qp.ibv.state == IBV_QPS_RTR || qp.ibv.state == IBV_QPS_RTS; }

// The 40-byte GRH a UD receive buffer starts with (IPv6 form).
void buildGrh(const PacketHeader& h, uint8_t* grh) {
  std::memset(grh, 0, 40);
  grh[0] = static_cast<uint8_t>(0x60 | (h.tclass >> 4));
  grh[1] = static_cast<uint8_t>((h.tclass << 4) | ((h.flow_label >> 16) & 0xf));
  grh[2] = static_cast<uint8_t>(h.flow_label >> 8);
  grh[3] = static_cast<uint8_t>(h.flow_label);
  grh[4] = static_cast<uint8_t>(h.payload_len >> 8);
  grh[5] = static_cast<uint8_t>(h.payload_len);
  grh[6] = 0x11;
  grh[7] = h.hop_limit;
  std::memcpy(grh + 8, h.sgid, 16);
  std::memcpy(grh + 24, h.dgid, 16);
}

}  // namespace

void SoftDevice::reply(const PacketHeader& req, uint8_t type, uint8_t nak, uint8_t rnr_timer) {
  PacketHeader h;
  h.type = type;
  h.nak = nak;
  h.rnr_timer = rnr_timer;
  h.psn = req.psn;
  h.src_qpn = req.dst_qpn;
  std::memcpy(h.sgid, req.dgid, 16);
  std::memcpy(h.dgid, req.sgid, 16);
  h.tclass = req.tclass;
  sendOrQueue(req.src_qpn, h, nullptr);
}

bool SoftDevice::checkRemote(SoftQp* qp, const PacketHeader& h, int qp_need, int mr_need) {
  uint64_t len = h.first ? h.total_len : h.payload_len;
  uint64_t addr = h.remote_addr + (h.first ? 0 : h.offset);
  bool ok = (static_cast<int>(qp->attr.qp_access_flags) & qp_need) == qp_need &&
            (len == 0 || remoteMr(qp->pd, h.rkey, addr, len, mr_need) != nullptr);
  if (ok) return true;
  reply(h, kPktNak, kNakRemoteAccess, 0);
  moveToError(qp);
  return false;
}

bool SoftDevice::startMessage(SoftQp* qp, const PacketHeader& h) {
  uint8_t op = h.opcode;
  if (isRdma(op) && fault_->load() == static_cast<int>(SoftFault::kRemoteAccess)) {
    reply(h, kPktNak, kNakRemoteAccess, 0);
    moveToError(qp);
    return false;
  }
  if (op == IBV_WR_RDMA_READ) {
    if (qp->attr.max_dest_rd_atomic == 0) {
      reply(h, kPktNak, kNakInvalidRequest, 0);
      moveToError(qp);
      return false;
    }
    return checkRemote(qp, h, IBV_ACCESS_REMOTE_READ, IBV_ACCESS_REMOTE_READ);
  }
  if (isRdma(op) && !checkRemote(qp, h, IBV_ACCESS_REMOTE_WRITE, IBV_ACCESS_REMOTE_WRITE)) return false;
  if (!needsRecv(op)) return true;
  if (qp->rq.empty()) {
    reply(h, kPktNak, kNakRnr, qp->attr.min_rnr_timer);
    return false;
  }
  qp->cur_recv = std::move(qp->rq.front());
  qp->rq.pop_front();
  qp->in_message = true;
  if (op == IBV_WR_RDMA_WRITE_WITH_IMM) return true;
  ibv_wc_status bad = IBV_WC_SUCCESS;
  if (h.total_len > sgeBytes(qp->cur_recv.sges)) bad = IBV_WC_LOC_LEN_ERR;
  else if (!sgesValid(qp->pd, qp->cur_recv.sges, IBV_ACCESS_LOCAL_WRITE)) bad = IBV_WC_LOC_PROT_ERR;
  if (bad == IBV_WC_SUCCESS) return true;
  qp->in_message = false;
  completeRecv(qp, qp->cur_recv, bad, nullptr);
  reply(h, kPktNak, bad == IBV_WC_LOC_LEN_ERR ? kNakInvalidRequest : kNakRemoteOp, 0);
  moveToError(qp);
  return false;
}

void SoftDevice::answerRead(SoftQp* qp, const PacketHeader& req) {
  if (req.total_len > 0 && remoteMr(qp->pd, req.rkey, req.remote_addr, req.total_len, IBV_ACCESS_REMOTE_READ) == nullptr)
    return;
  uint32_t off = 0;
  do {
    PacketHeader h;
    h.type = kPktReadResp;
    h.psn = req.psn;
    h.src_qpn = req.dst_qpn;
    std::memcpy(h.sgid, req.dgid, 16);
    std::memcpy(h.dgid, req.sgid, 16);
    h.tclass = req.tclass;
    h.offset = off;
    h.total_len = req.total_len;
    h.payload_len = std::min(kMaxPiece, req.total_len - off);
    h.first = off == 0;
    off += h.payload_len;
    h.last = off >= req.total_len;
    sendOrQueue(req.src_qpn, h, reinterpret_cast<const void*>(req.remote_addr + h.offset));
  } while (off < req.total_len);
}

void SoftDevice::finishMessage(SoftQp* qp, const PacketHeader& h) {
  if (!needsRecv(h.opcode) || !qp->in_message) return;
  ibv_wc wc{};
  wc.opcode = h.opcode == IBV_WR_RDMA_WRITE_WITH_IMM ? IBV_WC_RECV_RDMA_WITH_IMM : IBV_WC_RECV;
  wc.byte_len = h.total_len;
  if (h.opcode != IBV_WR_SEND) {
    wc.wc_flags = IBV_WC_WITH_IMM;
    wc.imm_data = h.imm;
  }
  wc.src_qp = h.src_qpn;
  qp->in_message = false;
  completeRecv(qp, qp->cur_recv, IBV_WC_SUCCESS, &wc);
}

void SoftDevice::onRequest(SoftQp* qp, const PacketHeader& h, const std::vector<uint8_t>& data) {
  if (qp->ibv.qp_type != IBV_QPT_RC || !receiving(*qp)) return;
  qp->last_tclass = h.tclass;
  uint32_t d = psnDiff(h.psn, qp->epsn);
  if (d != 0) {
    if (d < 0x800000) return;  // ahead of sequence (after an RNR NAK): dropped, resent later
    if (h.opcode == IBV_WR_RDMA_READ) answerRead(qp, h);  // duplicate READ: answered again
    else {
      PacketHeader last = h;  // duplicate: acknowledged with the last PSN done, as rxe does
      last.psn = (qp->epsn - 1) & kPsnMask;
      reply(last, kPktAck, 0, 0);
    }
    return;
  }
  if (h.first && !startMessage(qp, h)) return;
  if (!h.first && needsRecv(h.opcode) && !qp->in_message) {
    reply(h, kPktNak, kNakInvalidRequest, 0);
    moveToError(qp);
    return;
  }
  if (h.opcode == IBV_WR_RDMA_READ) {
    answerRead(qp, h);
  } else if (h.opcode == IBV_WR_SEND || h.opcode == IBV_WR_SEND_WITH_IMM) {
    scatter(qp->cur_recv.sges, h.offset, data.data(), static_cast<uint32_t>(data.size()));
  } else if (!data.empty()) {
    if (!h.first && !checkRemote(qp, h, IBV_ACCESS_REMOTE_WRITE, IBV_ACCESS_REMOTE_WRITE)) return;
    std::memcpy(reinterpret_cast<void*>(h.remote_addr + h.offset), data.data(), data.size());
  }
  if (h.last) finishMessage(qp, h);
  qp->epsn = (qp->epsn + 1) & kPsnMask;
  if (h.opcode != IBV_WR_RDMA_READ) reply(h, kPktAck, 0, 0);
}

void SoftDevice::onUd(SoftQp* qp, const PacketHeader& h, const std::vector<uint8_t>& data) {
  if (qp->ibv.qp_type != IBV_QPT_UD || !receiving(*qp) || h.qkey != qp->attr.qkey) return;
  qp->last_tclass = h.tclass;
  if (qp->rq.empty()) return;  // unreliable: no receive, no message
  SoftRecvWqe r = std::move(qp->rq.front());
  qp->rq.pop_front();
  uint32_t need = 40 + static_cast<uint32_t>(data.size());
  ibv_wc_status bad = IBV_WC_SUCCESS;
  if (sgeBytes(r.sges) < need) bad = IBV_WC_LOC_LEN_ERR;
  else if (!sgesValid(qp->pd, r.sges, IBV_ACCESS_LOCAL_WRITE)) bad = IBV_WC_LOC_PROT_ERR;
  if (bad != IBV_WC_SUCCESS) {
    completeRecv(qp, r, bad, nullptr);
    moveToError(qp);
    return;
  }
  uint8_t grh[40];
  buildGrh(h, grh);
  scatter(r.sges, 0, grh, 40);
  scatter(r.sges, 40, data.data(), static_cast<uint32_t>(data.size()));
  ibv_wc wc{};
  wc.opcode = IBV_WC_RECV;
  wc.byte_len = need;
  wc.wc_flags = IBV_WC_GRH;
  if (h.opcode == IBV_WR_SEND_WITH_IMM) {
    wc.wc_flags |= IBV_WC_WITH_IMM;
    wc.imm_data = h.imm;
  }
  wc.src_qp = h.src_qpn;
  completeRecv(qp, r, IBV_WC_SUCCESS, &wc);
}

}  // namespace fabcheck::transport::verbs::soft
