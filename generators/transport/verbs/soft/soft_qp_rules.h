// The QP state machine's rules, as the kernel's ib_modify_qp_is_ok() table states them for RC
// and UD: which transitions exist and which attribute masks each requires and allows.
//
// Contract: modifyMaskError() returns 0 when `mask` (ibv_qp_attr_mask bits, IBV_QP_STATE
// included or not) is acceptable for moving a QP of `type` from `cur` to `next`, else EINVAL.
// Any state may go to RESET or ERR with IBV_QP_STATE alone. Values are checked separately.
#pragma once

#include <infiniband/verbs.h>

namespace fabcheck::transport::verbs::soft {

int modifyMaskError(ibv_qp_type type, ibv_qp_state cur, ibv_qp_state next, int mask);

// The MIN_RNR_TIMER encoding (IBTA table 45) in nanoseconds.
uint64_t rnrTimerNs(uint8_t code);

// The local ACK timeout 4.096 us * 2^timeout in nanoseconds; 0 = infinite (returns 0).
uint64_t ackTimeoutNs(uint8_t timeout);

// ibv_mtu -> bytes (0 for an invalid value).
uint32_t mtuBytes(int mtu);

}  // namespace fabcheck::transport::verbs::soft
