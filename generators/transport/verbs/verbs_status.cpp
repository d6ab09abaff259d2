// statusWords() / statusAdvice() / statusErrno() (verbs_status.h).
#include "generators/transport/verbs/verbs_status.h"

#include <cerrno>

namespace fabcheck::transport::verbs {

const char* statusWords(ibv_wc_status s) noexcept {
  switch (s) {
    case IBV_WC_SUCCESS: return "success";
    case IBV_WC_LOC_LEN_ERR: return "local length error";
    case IBV_WC_LOC_QP_OP_ERR: return "local QP operation error";
    case IBV_WC_LOC_EEC_OP_ERR: return "local EE context operation error";
    case IBV_WC_LOC_PROT_ERR: return "local protection error";
    case IBV_WC_WR_FLUSH_ERR: return "Work Request Flushed Error";
    case IBV_WC_MW_BIND_ERR: return "memory management operation error";
    case IBV_WC_BAD_RESP_ERR: return "bad response error";
    case IBV_WC_LOC_ACCESS_ERR: return "local access error";
    case IBV_WC_REM_INV_REQ_ERR: return "remote invalid request error";
    case IBV_WC_REM_ACCESS_ERR: return "remote access error";
    case IBV_WC_REM_OP_ERR: return "remote operation error";
    case IBV_WC_RETRY_EXC_ERR: return "transport retry counter exceeded";
    case IBV_WC_RNR_RETRY_EXC_ERR: return "RNR retry counter exceeded";
    case IBV_WC_LOC_RDD_VIOL_ERR: return "local RDD violation error";
    case IBV_WC_REM_INV_RD_REQ_ERR: return "remote invalid RD request";
    case IBV_WC_REM_ABORT_ERR: return "aborted error";
    case IBV_WC_INV_EECN_ERR: return "invalid EE context number";
    case IBV_WC_INV_EEC_STATE_ERR: return "invalid EE context state";
    case IBV_WC_FATAL_ERR: return "fatal error";
    case IBV_WC_RESP_TIMEOUT_ERR: return "response timeout error";
    case IBV_WC_GENERAL_ERR: return "general error";
    default: return "unknown completion status";
  }
}

const char* statusAdvice(ibv_wc_status s) noexcept {
  switch (s) {
    case IBV_WC_RETRY_EXC_ERR:
      return "the peer never acknowledged: check the GID index names the data address on both ends "
             "(RoCE v2), the path MTU, that the peer is alive, and that the traffic class maps to a "
             "lossless (PFC) priority on every hop";
    case IBV_WC_RNR_RETRY_EXC_ERR:
      return "the peer had no receive posted (receiver not ready): raise rnr_retry/min_rnr_timer or "
             "the receiver's rx_depth";
    case IBV_WC_REM_ACCESS_ERR:
      return "the peer refused the remote address or key: the memory region is gone, too small, or "
             "registered without remote write/read access";
    case IBV_WC_REM_INV_REQ_ERR:
      return "the peer rejected the request: a SEND longer than its receive buffer, or an opcode its "
             "QP does not allow";
    case IBV_WC_LOC_LEN_ERR:
      return "a message is longer than the buffer or, on UD, than the path MTU";
    case IBV_WC_LOC_PROT_ERR:
    case IBV_WC_LOC_ACCESS_ERR:
      return "a local buffer is not inside a memory region of this protection domain";
    default: return "";
  }
}

int statusErrno(ibv_wc_status s) noexcept {
  switch (s) {
    case IBV_WC_SUCCESS: return 0;
    case IBV_WC_RETRY_EXC_ERR:
    case IBV_WC_RESP_TIMEOUT_ERR: return ETIMEDOUT;
    case IBV_WC_RNR_RETRY_EXC_ERR: return ENOBUFS;
    case IBV_WC_REM_ACCESS_ERR:
    case IBV_WC_LOC_ACCESS_ERR:
    case IBV_WC_LOC_PROT_ERR: return EACCES;
    case IBV_WC_LOC_LEN_ERR: return EMSGSIZE;
    case IBV_WC_REM_INV_REQ_ERR: return EINVAL;
    case IBV_WC_WR_FLUSH_ERR: return ECANCELED;
    default: return EIO;
  }
}

}  // namespace fabcheck::transport::verbs
