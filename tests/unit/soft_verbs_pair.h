// Test helper for the software verbs device: one side (device, PD, CQ, QP, a registered buffer)
// and the steps that bring an RC or UD QP up, over a temporary soft fabric directory.
#pragma once

#include <poll.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "generators/transport/verbs/soft/soft_verbs.h"

namespace fabcheck::transport::verbs::testing {

constexpr auto kWait = std::chrono::seconds(10);  // bound on every wait; tests never sleep-and-hope
constexpr uint32_t kV2Loopback = 3;                // GID index: RoCE v2 of 127.0.0.1

inline ibv_gid loopbackGid(const char* v4 = "127.0.0.1") {
  ibv_gid g{};
  g.raw[10] = g.raw[11] = 0xff;
  unsigned a, b, c, d;
  std::sscanf(v4, "%u.%u.%u.%u", &a, &b, &c, &d);
  g.raw[12] = static_cast<uint8_t>(a), g.raw[13] = static_cast<uint8_t>(b);
  g.raw[14] = static_cast<uint8_t>(c), g.raw[15] = static_cast<uint8_t>(d);
  return g;
}

inline SoftDeviceConfig softConfig(const std::string& dir) {
  SoftDeviceConfig c;
  c.fabric_dir = dir;
  c.addresses = {"127.0.0.1"};
  return c;
}

struct QpSpec {
  ibv_qp_type type = IBV_QPT_RC;
  uint32_t send_wr = 16, recv_wr = 16, sge = 4, inline_data = 64;
  int cqe = 64;
  int sig_all = 0;
};

struct Side {
  std::shared_ptr<VerbsApi> api;
  ibv_context* ctx = nullptr;
  ibv_pd* pd = nullptr;
  ibv_cq* cq = nullptr;
  ibv_qp* qp = nullptr;
  ibv_qp_init_attr init{};
  std::vector<uint8_t> buf = std::vector<uint8_t>(512 * 1024);
  ibv_mr* mr = nullptr;

  Side(const std::string& dir, const QpSpec& spec = {}, int access = IBV_ACCESS_LOCAL_WRITE |
       IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ) {
    api = createSoftVerbsApi(softConfig(dir));
    ctx = api->openDevice("softroce0");
    pd = api->allocPd(ctx);
    cq = api->createCq(ctx, spec.cqe, nullptr, true);
    init.send_cq = init.recv_cq = cq;
    init.qp_type = spec.type;
    init.sq_sig_all = spec.sig_all;
    init.cap = {spec.send_wr, spec.recv_wr, spec.sge, spec.sge, spec.inline_data};
    qp = api->createQp(pd, &init);
    mr = api->regMr(pd, buf.data(), buf.size(), access);
  }
  ~Side() {
    if (qp) api->destroyQp(qp);
    if (mr) api->deregMr(mr);
    if (cq) api->destroyCq(cq);
    if (pd) api->deallocPd(pd);
    if (ctx) api->closeDevice(ctx);
  }
  Side(const Side&) = delete;
  Side& operator=(const Side&) = delete;

  uint64_t addr(size_t off = 0) { return reinterpret_cast<uint64_t>(buf.data() + off); }

  int postRecv(uint64_t id, size_t off, uint32_t len) {
    ibv_sge sge{addr(off), len, mr->lkey};
    ibv_recv_wr wr{};
    wr.wr_id = id;
    wr.sg_list = &sge;
    wr.num_sge = 1;
    ibv_recv_wr* bad = nullptr;
    return api->postRecv(qp, &wr, &bad);
  }

  int post(ibv_send_wr& wr) {
    ibv_send_wr* bad = nullptr;
    return api->postSend(qp, &wr, &bad);
  }

  // One completion, or fails the test after kWait.
  ibv_wc poll(uint64_t* ts = nullptr) {
    ibv_wc wc{};
    auto end = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < end) {
      int n = api->pollCq(cq, 1, &wc, ts);
      if (n == 1) return wc;
      if (n < 0) {
        ADD_FAILURE() << "pollCq returned " << n;
        return wc;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    ADD_FAILURE() << "no completion within the wait";
    wc.status = IBV_WC_GENERAL_ERR;
    return wc;
  }
};

// A send WR over `side`'s buffer [off, off+len).
struct SendWr {
  ibv_sge sge{};
  ibv_send_wr wr{};
  SendWr(Side& side, ibv_wr_opcode op, size_t off, uint32_t len, uint64_t id = 1,
         unsigned flags = IBV_SEND_SIGNALED) {
    sge = {side.addr(off), len, side.mr->lkey};
    wr.wr_id = id;
    wr.opcode = op;
    wr.sg_list = &sge;
    wr.num_sge = 1;
    wr.send_flags = flags;
  }
  SendWr& rdma(uint64_t raddr, uint32_t rkey) {
    wr.wr.rdma.remote_addr = raddr;
    wr.wr.rdma.rkey = rkey;
    return *this;
  }
};

inline ibv_ah_attr roceAv(uint32_t sgid = kV2Loopback, ibv_gid dgid = loopbackGid()) {
  ibv_ah_attr av{};
  av.is_global = 1;
  av.grh.dgid = dgid;
  av.grh.sgid_index = static_cast<uint8_t>(sgid);
  av.grh.hop_limit = 64;
  av.grh.traffic_class = 0x68;
  av.port_num = 1;
  return av;
}

struct RcParams {
  int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ;
  uint8_t timeout = 14, retry_cnt = 7, rnr_retry = 7, min_rnr_timer = 1;
  uint8_t rd_atomic = 4, dest_rd_atomic = 4;
  ibv_gid dgid = loopbackGid();
  uint32_t sq_psn = 100, rq_psn = 100;  // this side's SQ PSN; rq_psn = the peer's SQ PSN
};

inline int rcInit(VerbsApi& api, ibv_qp* qp, int access) {
  ibv_qp_attr a{};
  a.qp_state = IBV_QPS_INIT;
  a.port_num = 1;
  a.qp_access_flags = static_cast<unsigned>(access);
  return api.modifyQp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS);
}

inline int rcRtr(VerbsApi& api, ibv_qp* qp, uint32_t dest, const RcParams& p) {
  ibv_qp_attr a{};
  a.qp_state = IBV_QPS_RTR;
  a.path_mtu = IBV_MTU_1024;
  a.dest_qp_num = dest;
  a.rq_psn = p.rq_psn;
  a.max_dest_rd_atomic = p.dest_rd_atomic;
  a.min_rnr_timer = p.min_rnr_timer;
  a.ah_attr = roceAv(kV2Loopback, p.dgid);
  return api.modifyQp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
                                  IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER);
}

inline int rcRts(VerbsApi& api, ibv_qp* qp, const RcParams& p) {
  ibv_qp_attr a{};
  a.qp_state = IBV_QPS_RTS;
  a.timeout = p.timeout;
  a.retry_cnt = p.retry_cnt;
  a.rnr_retry = p.rnr_retry;
  a.sq_psn = p.sq_psn;
  a.max_rd_atomic = p.rd_atomic;
  return api.modifyQp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
                                  IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
}

// Brings one RC QP to RTS towards `dest` (a QPN on the fabric).
inline void rcUp(Side& s, uint32_t dest, const RcParams& p = {}) {
  ASSERT_EQ(rcInit(*s.api, s.qp, p.access), 0);
  ASSERT_EQ(rcRtr(*s.api, s.qp, dest, p), 0);
  ASSERT_EQ(rcRts(*s.api, s.qp, p), 0);
}

// Connects a (requester settings `pa`) and b (`pb`) to each other.
inline void connectRc(Side& a, Side& b, const RcParams& pa = {}, const RcParams& pb = {}) {
  rcUp(a, b.qp->qp_num, pa);
  rcUp(b, a.qp->qp_num, pb);
}

inline void udUp(Side& s, uint32_t qkey = 0x1111) {
  ibv_qp_attr a{};
  a.qp_state = IBV_QPS_INIT;
  a.port_num = 1;
  a.qkey = qkey;
  ASSERT_EQ(s.api->modifyQp(s.qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_QKEY), 0);
  a.qp_state = IBV_QPS_RTR;
  ASSERT_EQ(s.api->modifyQp(s.qp, &a, IBV_QP_STATE), 0);
  a.qp_state = IBV_QPS_RTS;
  a.sq_psn = 1;
  ASSERT_EQ(s.api->modifyQp(s.qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN), 0);
}

}  // namespace fabcheck::transport::verbs::testing
