#include "generators/transport/verbs/soft/soft_qp_rules.h"

#include <cerrno>
#include <cstdint>

namespace fabcheck::transport::verbs::soft {

namespace {

struct Rule {
  bool valid = false;
  int required = 0;
  int optional = 0;
};

constexpr int kRcInit = IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS;
constexpr int kUdInit = IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_QKEY;
constexpr int kRcRtr = IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
                       IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER;
constexpr int kRcRts =
    IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC;
constexpr int kRcRtsOpt = IBV_QP_CUR_STATE | IBV_QP_ALT_PATH | IBV_QP_ACCESS_FLAGS |
                          IBV_QP_MIN_RNR_TIMER | IBV_QP_PATH_MIG_STATE;

Rule ruleFor(bool rc, ibv_qp_state cur, ibv_qp_state next) {
  if (next == IBV_QPS_RESET || next == IBV_QPS_ERR) return {true, 0, 0};
  switch (cur) {
    case IBV_QPS_RESET:
      if (next == IBV_QPS_INIT) return {true, rc ? kRcInit : kUdInit, 0};
      break;
    case IBV_QPS_INIT:
      if (next == IBV_QPS_INIT) return {true, 0, rc ? kRcInit : kUdInit};
      if (next == IBV_QPS_RTR) {
        if (rc) return {true, kRcRtr, IBV_QP_ALT_PATH | IBV_QP_ACCESS_FLAGS | IBV_QP_PKEY_INDEX};
        return {true, 0, IBV_QP_PKEY_INDEX | IBV_QP_QKEY};
      }
      break;
    case IBV_QPS_RTR:
      if (next == IBV_QPS_RTS) {
        if (rc) return {true, kRcRts, kRcRtsOpt};
        return {true, IBV_QP_SQ_PSN, IBV_QP_CUR_STATE | IBV_QP_QKEY};
      }
      break;
    case IBV_QPS_RTS:
      if (next == IBV_QPS_RTS) {
        if (rc) return {true, 0, kRcRtsOpt};
        return {true, 0, IBV_QP_CUR_STATE | IBV_QP_QKEY};
      }
      break;
    default:
      break;
  }
  return {};
}

}  // namespace

int modifyMaskError(ibv_qp_type type, ibv_qp_state cur, ibv_qp_state next, int mask) {
  if (type != IBV_QPT_RC && type != IBV_QPT_UD) return EINVAL;
  Rule rule = ruleFor(type == IBV_QPT_RC, cur, next);
  if (!rule.valid) return EINVAL;
  int attrs = mask & ~IBV_QP_STATE;
  if ((attrs & rule.required) != rule.required) return EINVAL;
  if ((attrs & ~(rule.required | rule.optional)) != 0) return EINVAL;
  return 0;
}

uint64_t rnrTimerNs(uint8_t code) {
  // Microseconds * 100 (0.01 ms steps), code 0 = 655.36 ms.
  static constexpr uint32_t kTable[32] = {
      65536, 1,    2,    3,    4,    6,    8,    12,   16,   24,   32,
      48,    64,   96,   128,  192,  256,  384,  512,  768,  1024, 1536,
      2048,  3072, 4096, 6144, 8192, 12288, 16384, 24576, 32768, 49152};
  return uint64_t{kTable[code & 31]} * 10000;
}

uint64_t ackTimeoutNs(uint8_t timeout) {
  if (timeout == 0) return 0;
  return (uint64_t{4096} << (timeout & 31));
}

uint32_t mtuBytes(int mtu) {
  if (mtu < IBV_MTU_256 || mtu > IBV_MTU_4096) return 0;
  return 128u << mtu;
}

}  // namespace fabcheck::transport::verbs::soft
