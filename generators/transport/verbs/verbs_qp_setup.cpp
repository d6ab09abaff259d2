// QP creation and state transitions (verbs_qp_setup.h).
#include "generators/transport/verbs/verbs_qp_setup.h"

#include <algorithm>
#include <cerrno>

#include "generators/core/errors.h"

namespace fabcheck::transport::verbs {
namespace {

[[noreturn]] void fail(VerbsDevice& dev, ibv_qp* qp, const std::string& step, int err, const char* check) {
  std::string s = "verbs: " + dev.describe() + ": " + step;
  if (qp != nullptr) s += " of QP " + std::to_string(qp->qp_num);
  s += " failed: " + errnoWords(err);
  if (check != nullptr && *check) s += std::string("; check ") + check;
  throw TransportError(s);
}

uint8_t responderResources(VerbsDevice& dev) {
  return static_cast<uint8_t>(std::clamp(dev.attr().orig_attr.max_qp_rd_atom, 1, 16));
}

}  // namespace

ibv_qp* createQp(VerbsDevice& dev, ibv_cq* cq, QpKind kind, QpCaps& caps) {
  ibv_qp_init_attr a{};
  a.send_cq = cq;
  a.recv_cq = cq;
  a.qp_type = kind == QpKind::kUd ? IBV_QPT_UD : IBV_QPT_RC;
  a.sq_sig_all = 0;  // selective signalling: the connection signals one send in cq_mod
  a.cap.max_send_wr = caps.send_wr;
  a.cap.max_recv_wr = caps.recv_wr;
  a.cap.max_send_sge = 1;
  a.cap.max_recv_sge = caps.recv_sge;
  a.cap.max_inline_data = caps.inline_bytes;
  ibv_qp* qp = dev.api().createQp(dev.pd(), &a);
  if (qp == nullptr && caps.inline_bytes > 0) {  // some devices refuse inline: retry without
    a.cap.max_inline_data = 0;
    qp = dev.api().createQp(dev.pd(), &a);
  }
  if (qp == nullptr) {
    fail(dev, nullptr, "ibv_create_qp (send queue " + std::to_string(caps.send_wr) + ", receive queue " +
                           std::to_string(caps.recv_wr) + ")",
         errno, "tx_depth/rx_depth against the device's max_qp_wr");
  }
  caps.inline_bytes = a.cap.max_inline_data;
  return qp;
}

void moveToInit(VerbsDevice& dev, ibv_qp* qp, QpKind kind) {
  ibv_qp_attr a{};
  a.qp_state = IBV_QPS_INIT;
  a.pkey_index = 0;
  a.port_num = dev.address().port;
  int mask = IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT;
  if (kind == QpKind::kUd) {
    a.qkey = kUdQkey;
    mask |= IBV_QP_QKEY;
  } else {
    a.qp_access_flags = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ | IBV_ACCESS_LOCAL_WRITE;
    mask |= IBV_QP_ACCESS_FLAGS;
  }
  if (int e = dev.api().modifyQp(qp, &a, mask); e != 0) fail(dev, qp, "RESET->INIT", e, "the port number");
}

ibv_ah_attr addressVector(VerbsDevice& dev, const SideInfo& peer, uint8_t tclass, uint8_t sl) {
  ibv_ah_attr ah{};
  ah.port_num = dev.address().port;
  ah.sl = sl;
  if ((dev.address().link_layer == "ib")) {
    ah.dlid = static_cast<uint16_t>(peer.lid);
    return ah;
  }
  ah.is_global = 1;
  ah.grh.dgid = gidFromText(peer.gid, "the peer's (" + peer.host + ")");
  ah.grh.sgid_index = static_cast<uint8_t>(dev.address().gid_index);
  ah.grh.hop_limit = 64;
  ah.grh.traffic_class = tclass;
  return ah;
}

void moveToRtr(VerbsDevice& dev, ibv_qp* qp, const VerbsOptions& o, const SideInfo& peer, uint32_t peer_qpn,
               uint32_t peer_psn, ibv_mtu path_mtu, uint8_t tclass) {
  ibv_qp_attr a{};
  a.qp_state = IBV_QPS_RTR;
  int mask = IBV_QP_STATE;
  if (o.connection == QpKind::kRc) {
    a.path_mtu = path_mtu;
    a.dest_qp_num = peer_qpn;
    a.rq_psn = peer_psn;
    a.max_dest_rd_atomic = responderResources(dev);
    a.min_rnr_timer = o.min_rnr_timer;
    a.ah_attr = addressVector(dev, peer, tclass, o.sl);
    mask |= IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
            IBV_QP_MIN_RNR_TIMER;
  }
  if (int e = dev.api().modifyQp(qp, &a, mask); e != 0) {
    fail(dev, qp, "INIT->RTR toward " + peer.host + " (QP " + std::to_string(peer_qpn) + ")", e,
         "the GID index (gid_index) names the data address on both ends, the path MTU (mtu) is at most "
         "both ports' active MTU, and the peer is reachable");
  }
}

void moveToRts(VerbsDevice& dev, ibv_qp* qp, const VerbsOptions& o, uint32_t my_psn) {
  ibv_qp_attr a{};
  a.qp_state = IBV_QPS_RTS;
  a.sq_psn = my_psn;
  int mask = IBV_QP_STATE | IBV_QP_SQ_PSN;
  if (o.connection == QpKind::kRc) {
    a.timeout = o.timeout;
    a.retry_cnt = o.retry_cnt;
    a.rnr_retry = o.rnr_retry;
    a.max_rd_atomic = responderResources(dev);
    mask |= IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_MAX_QP_RD_ATOMIC;
  }
  if (int e = dev.api().modifyQp(qp, &a, mask); e != 0) fail(dev, qp, "RTR->RTS", e, "timeout/retry_cnt/rnr_retry");
}

}  // namespace fabcheck::transport::verbs
