// Posting work requests, with the checks a provider makes at post time (state, queue room,
// SGE count, inline size, opcode for the QP type). Key and bounds problems are not caught here
// but when the NIC processes the WR, as completion errors (IBV_WC_LOC_PROT_ERR...).
#include <algorithm>
#include <cerrno>

#include "generators/transport/verbs/soft/soft_device.h"
#include "generators/transport/verbs/soft/soft_qp_rules.h"

namespace fabcheck::transport::verbs::soft {

namespace {

bool opcodeAllowed(ibv_qp_type type, ibv_wr_opcode op) {
  if (op == IBV_WR_SEND || op == IBV_WR_SEND_WITH_IMM) return true;
  if (type != IBV_QPT_RC) return false;
  return op == IBV_WR_RDMA_WRITE || op == IBV_WR_RDMA_WRITE_WITH_IMM || op == IBV_WR_RDMA_READ;
}

int checkSend(const SoftQp& qp, const ibv_send_wr& wr) {
  if (qp.ibv.state != IBV_QPS_RTS && qp.ibv.state != IBV_QPS_ERR) return EINVAL;
  if (qp.sq_slots >= qp.cap.max_send_wr) return ENOMEM;
  if (wr.num_sge < 0 || static_cast<uint32_t>(wr.num_sge) > qp.cap.max_send_sge) return EINVAL;
  if (!opcodeAllowed(qp.ibv.qp_type, wr.opcode)) return EINVAL;
  if (wr.opcode == IBV_WR_RDMA_READ && qp.attr.max_rd_atomic == 0) return EINVAL;  // no READ credits
  uint64_t total = 0;
  for (int i = 0; i < wr.num_sge; ++i) total += wr.sg_list[i].length;
  if (total > (1ull << 31)) return EINVAL;
  if (wr.send_flags & IBV_SEND_INLINE) {
    if (wr.opcode == IBV_WR_RDMA_READ || total > qp.cap.max_inline_data) return EINVAL;
  }
  if (qp.ibv.qp_type == IBV_QPT_UD && fromIbv<SoftAh>(wr.wr.ud.ah, kMagicAh) == nullptr) return EINVAL;
  return 0;
}

}  // namespace

int SoftDevice::postSend(SoftQp* qp, ibv_send_wr* wr, ibv_send_wr** bad) {
  std::lock_guard lock(mu_);
  for (ibv_send_wr* cur = wr; cur != nullptr; cur = cur->next) {
    if (int e = checkSend(*qp, *cur)) {
      *bad = cur;
      return e;
    }
    SoftSendWqe w;
    w.wr_id = cur->wr_id;
    w.opcode = cur->opcode;
    w.signaled = (cur->send_flags & IBV_SEND_SIGNALED) != 0;
    w.is_inline = (cur->send_flags & IBV_SEND_INLINE) != 0;
    for (int i = 0; i < cur->num_sge; ++i) {
      const ibv_sge& s = cur->sg_list[i];
      w.length += s.length;
      if (w.is_inline) {
        auto* p = reinterpret_cast<const uint8_t*>(s.addr);
        w.inline_data.insert(w.inline_data.end(), p, p + s.length);
      } else {
        w.sges.push_back(SoftSge{s.addr, s.length, s.lkey});
      }
    }
    w.imm = cur->imm_data;
    if (qp->ibv.qp_type == IBV_QPT_UD) {
      w.ah = fromIbv<SoftAh>(cur->wr.ud.ah, kMagicAh)->attr;
      w.remote_qpn = cur->wr.ud.remote_qpn;
      w.remote_qkey = cur->wr.ud.remote_qkey;
      if (w.length > mtuBytes(config_.active_mtu)) w.local_error = IBV_WC_LOC_LEN_ERR;
    } else {
      w.remote_addr = cur->wr.rdma.remote_addr;
      w.rkey = cur->wr.rdma.rkey;
    }
    int need = w.opcode == IBV_WR_RDMA_READ ? IBV_ACCESS_LOCAL_WRITE : 0;
    if (!w.is_inline && !sgesValid(qp->pd, w.sges, need)) w.local_error = IBV_WC_LOC_PROT_ERR;
    ++qp->sq_slots;
    if (qp->ibv.state == IBV_QPS_ERR) {
      completeSend(qp, w, IBV_WC_WR_FLUSH_ERR);
      continue;
    }
    w.npkts = w.opcode == IBV_WR_RDMA_READ ? 1 : std::max<uint32_t>(1, (w.length + kMaxPiece - 1) / kMaxPiece);
    w.psn = qp->sq_next_psn;
    qp->sq_next_psn = (qp->sq_next_psn + w.npkts) & kPsnMask;
    qp->sq.push_back(std::move(w));
  }
  wake();
  return 0;
}

int SoftDevice::postRecv(SoftQp* qp, ibv_recv_wr* wr, ibv_recv_wr** bad) {
  std::lock_guard lock(mu_);
  for (ibv_recv_wr* cur = wr; cur != nullptr; cur = cur->next) {
    int e = 0;
    if (qp->ibv.state == IBV_QPS_RESET) e = EINVAL;
    else if (qp->rq_slots >= qp->cap.max_recv_wr) e = ENOMEM;
    else if (cur->num_sge < 0 || static_cast<uint32_t>(cur->num_sge) > qp->cap.max_recv_sge) e = EINVAL;
    if (e != 0) {
      *bad = cur;
      return e;
    }
    SoftRecvWqe r;
    r.wr_id = cur->wr_id;
    for (int i = 0; i < cur->num_sge; ++i)
      r.sges.push_back(SoftSge{cur->sg_list[i].addr, cur->sg_list[i].length, cur->sg_list[i].lkey});
    ++qp->rq_slots;
    if (qp->ibv.state == IBV_QPS_ERR) {
      completeRecv(qp, r, IBV_WC_WR_FLUSH_ERR, nullptr);
      continue;
    }
    qp->rq.push_back(std::move(r));
  }
  wake();
  return 0;
}

}  // namespace fabcheck::transport::verbs::soft
