// QP creation, destruction and the state machine (modify), with the kernel's checks.
#include <cerrno>

#include "generators/transport/verbs/soft/soft_device.h"
#include "generators/transport/verbs/soft/soft_fabric_dir.h"
#include "generators/transport/verbs/soft/soft_gid.h"
#include "generators/transport/verbs/soft/soft_qp_rules.h"

namespace fabcheck::transport::verbs::soft {

namespace {

int checkCreate(const ibv_qp_init_attr& a, uint32_t max_inline) {
  if (a.srq != nullptr) return EOPNOTSUPP;
  if (a.qp_type != IBV_QPT_RC && a.qp_type != IBV_QPT_UD) return EOPNOTSUPP;
  if (a.send_cq == nullptr || a.recv_cq == nullptr) return EINVAL;
  const ibv_qp_cap& c = a.cap;
  if (c.max_send_wr == 0 && c.max_recv_wr == 0) return EINVAL;
  if (c.max_send_wr > 8192 || c.max_recv_wr > 8192 || c.max_send_sge > 16 || c.max_recv_sge > 16)
    return EINVAL;
  if (c.max_inline_data > max_inline) return EINVAL;
  return 0;
}

// Values of the attributes in `mask` (the mask itself was checked against the table).
int checkValues(const ibv_qp_attr& a, int mask, uint32_t active_mtu) {
  constexpr unsigned kAccess = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
                               IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC;
  if ((mask & IBV_QP_PORT) && a.port_num != 1) return EINVAL;
  if ((mask & IBV_QP_PKEY_INDEX) && a.pkey_index != 0) return EINVAL;
  if ((mask & IBV_QP_ACCESS_FLAGS) && (a.qp_access_flags & ~kAccess) != 0) return EINVAL;
  if ((mask & IBV_QP_PATH_MTU) && (mtuBytes(a.path_mtu) == 0 || static_cast<uint32_t>(a.path_mtu) > active_mtu))
    return EINVAL;
  if ((mask & IBV_QP_DEST_QPN) && a.dest_qp_num > kPsnMask) return EINVAL;
  if ((mask & IBV_QP_MAX_DEST_RD_ATOMIC) && a.max_dest_rd_atomic > 16) return EINVAL;
  if ((mask & IBV_QP_MAX_QP_RD_ATOMIC) && a.max_rd_atomic > 16) return EINVAL;
  if ((mask & IBV_QP_TIMEOUT) && a.timeout > 31) return EINVAL;
  if ((mask & IBV_QP_RETRY_CNT) && a.retry_cnt > 7) return EINVAL;
  if ((mask & IBV_QP_RNR_RETRY) && a.rnr_retry > 7) return EINVAL;
  if ((mask & IBV_QP_MIN_RNR_TIMER) && a.min_rnr_timer > 31) return EINVAL;
  return 0;
}

void applyValues(ibv_qp_attr& to, const ibv_qp_attr& a, int mask) {
  if (mask & IBV_QP_PORT) to.port_num = a.port_num;
  if (mask & IBV_QP_PKEY_INDEX) to.pkey_index = a.pkey_index;
  if (mask & IBV_QP_ACCESS_FLAGS) to.qp_access_flags = a.qp_access_flags;
  if (mask & IBV_QP_QKEY) to.qkey = a.qkey;
  if (mask & IBV_QP_AV) to.ah_attr = a.ah_attr;
  if (mask & IBV_QP_PATH_MTU) to.path_mtu = a.path_mtu;
  if (mask & IBV_QP_DEST_QPN) to.dest_qp_num = a.dest_qp_num;
  if (mask & IBV_QP_RQ_PSN) to.rq_psn = a.rq_psn & kPsnMask;
  if (mask & IBV_QP_SQ_PSN) to.sq_psn = a.sq_psn & kPsnMask;
  if (mask & IBV_QP_MAX_DEST_RD_ATOMIC) to.max_dest_rd_atomic = a.max_dest_rd_atomic;
  if (mask & IBV_QP_MAX_QP_RD_ATOMIC) to.max_rd_atomic = a.max_rd_atomic;
  if (mask & IBV_QP_MIN_RNR_TIMER) to.min_rnr_timer = a.min_rnr_timer;
  if (mask & IBV_QP_TIMEOUT) to.timeout = a.timeout;
  if (mask & IBV_QP_RETRY_CNT) to.retry_cnt = a.retry_cnt;
  if (mask & IBV_QP_RNR_RETRY) to.rnr_retry = a.rnr_retry;
}

void resetQp(SoftQp* qp) {
  qp->sq.clear();
  qp->rq.clear();
  qp->sq_next = 0;
  qp->sq_slots = qp->rq_slots = qp->unsignaled_done = 0;
  qp->ack_deadline = qp->resume_at = 0;
  qp->retries = qp->rnr_retries = 0;
  qp->in_message = false;
  ibv_qp_attr fresh{};
  qp->attr = fresh;
}

}  // namespace

ibv_qp* SoftDevice::createQp(SoftPd* pd, ibv_qp_init_attr* attr) {
  std::lock_guard lock(mu_);
  auto* scq = fromIbv<SoftCq>(attr->send_cq, kMagicCq);
  auto* rcq = fromIbv<SoftCq>(attr->recv_cq, kMagicCq);
  int e = checkCreate(*attr, config_.max_inline_data);
  if (e == 0 && (scq == nullptr || rcq == nullptr || scq->dev != this || rcq->dev != this)) e = EINVAL;
  if (e != 0) {
    errno = e;
    return nullptr;
  }
  auto qp = std::make_unique<SoftQp>();
  std::vector<std::string> gid_hex;
  for (const auto& g : gids_) gid_hex.push_back(gidHex(g.gid));
  uint32_t qpn = 0;
  if (int r = registerQpn(config_.fabric_dir, wire_.path(), gid_hex, &qpn)) {
    errno = r;
    return nullptr;
  }
  qp->ibv.context = &ctx_.ibv;
  qp->ibv.qp_context = attr->qp_context;
  qp->ibv.pd = &pd->ibv;
  qp->ibv.send_cq = attr->send_cq;
  qp->ibv.recv_cq = attr->recv_cq;
  qp->ibv.handle = qpn;
  qp->ibv.qp_num = qpn;
  qp->ibv.state = IBV_QPS_RESET;
  qp->ibv.qp_type = attr->qp_type;
  qp->dev = this;
  qp->pd = pd;
  qp->send_cq = scq;
  qp->recv_cq = rcq;
  qp->cap = attr->cap;
  qp->sq_sig_all = attr->sq_sig_all != 0;
  SoftQp* raw = qp.get();
  qps_[qpn] = std::move(qp);
  return &raw->ibv;
}

int SoftDevice::destroyQp(SoftQp* qp) {
  std::lock_guard lock(mu_);
  uint32_t qpn = qp->ibv.qp_num;
  if (qps_.erase(qpn) != 1) return EINVAL;
  unregisterQpn(config_.fabric_dir, qpn);
  return 0;
}

int SoftDevice::modifyQp(SoftQp* qp, const ibv_qp_attr* attr, int mask) {
  std::lock_guard lock(mu_);
  ibv_qp_state cur = qp->ibv.state;
  if ((mask & IBV_QP_CUR_STATE) && attr->cur_qp_state != cur) return EINVAL;
  ibv_qp_state next = (mask & IBV_QP_STATE) ? attr->qp_state : cur;
  if (int e = modifyMaskError(qp->ibv.qp_type, cur, next, mask)) return e;
  if (int e = checkValues(*attr, mask, config_.active_mtu)) return e;
  if ((mask & IBV_QP_AV) && checkAv(attr->ah_attr) != 0) return EINVAL;
  if (next == IBV_QPS_RESET) {
    resetQp(qp);
  } else {
    applyValues(qp->attr, *attr, mask);
  }
  if (next == IBV_QPS_RTR && cur == IBV_QPS_INIT) qp->epsn = qp->attr.rq_psn;
  if (next == IBV_QPS_RTS && cur == IBV_QPS_RTR) {
    qp->sq_next_psn = qp->attr.sq_psn;
    qp->acked_psn = (qp->attr.sq_psn - 1) & kPsnMask;
  }
  qp->ibv.state = next;
  qp->attr.qp_state = next;
  if (next == IBV_QPS_ERR && cur != IBV_QPS_ERR) moveToError(qp);
  wake();
  return 0;
}

}  // namespace fabcheck::transport::verbs::soft
