// Creating queue pairs and walking them RESET -> INIT -> RTR -> RTS with the attributes each
// transition requires (RC: port/pkey/access; AV, path MTU, dest QPN, RQ PSN, responder
// resources, RNR timer; timeout, retries, SQ PSN, initiator depth. UD: port/pkey/qkey; -; SQ PSN),
// as ibv_modify_qp(3) and the kernel's qp_state_table require.
//
// Contract: every function throws TransportError naming the device, the QP number, the
// transition and the errno words, with what to check.
#pragma once

#include <cstdint>

#include "generators/transport/verbs/verbs_device.h"
#include "generators/transport/verbs/verbs_options.h"
#include "generators/transport/verbs/verbs_side_info.h"

namespace fabcheck::transport::verbs {

constexpr uint32_t kUdQkey = 0x11111111;  // perftest's default Q_Key
constexpr uint32_t kUdGrhBytes = 40;      // a UD receive buffer starts with the GRH

struct QpCaps {
  uint32_t send_wr = 0;
  uint32_t recv_wr = 0;
  uint32_t recv_sge = 1;
  uint32_t inline_bytes = 0;  // asked; the device may give more
};

// Creates a QP of `kind` on `cq` (send and receive). caps.inline_bytes is updated with what
// the device granted.
ibv_qp* createQp(VerbsDevice& dev, ibv_cq* cq, QpKind kind, QpCaps& caps);

void moveToInit(VerbsDevice& dev, ibv_qp* qp, QpKind kind);
// `path_mtu` is an ibv_mtu; `tclass` the GRH traffic class (DSCP << 2 | ECN).
void moveToRtr(VerbsDevice& dev, ibv_qp* qp, const VerbsOptions& o, const SideInfo& peer, uint32_t peer_qpn,
               uint32_t peer_psn, ibv_mtu path_mtu, uint8_t tclass);
void moveToRts(VerbsDevice& dev, ibv_qp* qp, const VerbsOptions& o, uint32_t my_psn);

// The address vector to `peer`: RoCE with a GRH (dgid, sgid_index, traffic class, hop limit);
// IB by LID with the service level.
ibv_ah_attr addressVector(VerbsDevice& dev, const SideInfo& peer, uint8_t tclass, uint8_t sl);

}  // namespace fabcheck::transport::verbs
