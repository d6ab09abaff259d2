// The software verbs device enforces what a kernel and a RoCE NIC enforce (generators/transport/
// verbs/soft/soft_verbs.h): each test breaks one rule and expects the error a real stack gives.
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cctype>

#include <cstring>

#include "generators/core/errors.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/soft_verbs_pair.h"

namespace fabcheck::transport::verbs::testing {
namespace {

class SoftVerbs : public ::testing::Test {
 protected:
  fabcheck::testing::TempDir dir{"fcsv"};
};

TEST_F(SoftVerbs, DeviceFactsAsAKernelReportsThem) {
  Side s(dir.path());
  std::vector<std::string> names;
  ASSERT_EQ(s.api->listDevices(names), 0);
  EXPECT_EQ(names, std::vector<std::string>{"softroce0"});
  EXPECT_TRUE(s.api->isSoftware());
  ibv_port_attr port{};
  ASSERT_EQ(s.api->queryPort(s.ctx, 1, &port), 0);
  EXPECT_EQ(port.link_layer, IBV_LINK_LAYER_ETHERNET);
  EXPECT_EQ(port.state, IBV_PORT_ACTIVE);
  EXPECT_EQ(port.active_mtu, IBV_MTU_1024);
  EXPECT_EQ(port.gid_tbl_len, 4);
  EXPECT_NE(s.api->queryPort(s.ctx, 2, &port), 0);
  ibv_gid_entry e{};
  ASSERT_EQ(s.api->queryGidEntry(s.ctx, 1, 0, &e), 0);
  EXPECT_EQ(e.gid.raw[0], 0xfe);
  EXPECT_EQ(e.gid_type, IBV_GID_TYPE_ROCE_V1);
  ASSERT_EQ(s.api->queryGidEntry(s.ctx, 1, kV2Loopback, &e), 0);
  EXPECT_EQ(e.gid_type, IBV_GID_TYPE_ROCE_V2);
  EXPECT_EQ(std::memcmp(e.gid.raw, loopbackGid().raw, 16), 0);
  EXPECT_EQ(e.ndev_ifindex, if_nametoindex("lo"));
  EXPECT_NE(s.api->queryGidEntry(s.ctx, 1, 4, &e), 0);
  ibv_device_attr_ex dev{};
  ASSERT_EQ(s.api->queryDevice(s.ctx, &dev), 0);
  EXPECT_EQ(dev.orig_attr.max_qp_wr, 8192);
  EXPECT_EQ(dev.hca_core_clock, 1000000u);
  EXPECT_NE(dev.completion_timestamp_mask, 0u);
  ClockSample a, b;
  ASSERT_EQ(s.api->readClock(s.ctx, &a), 0);
  ASSERT_EQ(s.api->readClock(s.ctx, &b), 0);
  EXPECT_GE(b.raw, a.raw);
  EXPECT_EQ(a.khz, 1000000u);
  EXPECT_TRUE(s.qp != nullptr && s.mr != nullptr);
  EXPECT_EQ(s.qp->state, IBV_QPS_RESET);
  EXPECT_EQ(s.mr->addr, s.buf.data());
}

TEST_F(SoftVerbs, RcTransitionsNeedExactlyTheRequiredAttributes) {
  Side s(dir.path());
  VerbsApi& api = *s.api;
  ibv_qp_attr a{};
  a.qp_state = IBV_QPS_RTR;
  EXPECT_EQ(api.modifyQp(s.qp, &a, IBV_QP_STATE), EINVAL) << "RESET -> RTR skips INIT";
  a.qp_state = IBV_QPS_INIT;
  a.port_num = 1;
  EXPECT_EQ(api.modifyQp(s.qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT), EINVAL)
      << "RC INIT without ACCESS_FLAGS";
  EXPECT_EQ(api.modifyQp(s.qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS |
                                       IBV_QP_QKEY), EINVAL) << "QKEY is not an RC attribute";
  a.port_num = 2;
  EXPECT_EQ(api.modifyQp(s.qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS), EINVAL);
  ASSERT_EQ(rcInit(api, s.qp, IBV_ACCESS_LOCAL_WRITE), 0);
  EXPECT_EQ(s.qp->state, IBV_QPS_INIT);
  RcParams p;
  ibv_qp_attr r{};
  r.qp_state = IBV_QPS_RTR;
  r.path_mtu = IBV_MTU_1024;
  r.dest_qp_num = 5;
  r.ah_attr = roceAv();
  int full = IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
             IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER;
  EXPECT_EQ(api.modifyQp(s.qp, &r, full & ~IBV_QP_MIN_RNR_TIMER), EINVAL) << "RTR without MIN_RNR_TIMER";
  EXPECT_EQ(api.modifyQp(s.qp, &r, full | IBV_QP_SQ_PSN), EINVAL) << "SQ_PSN belongs to RTS";
  r.path_mtu = IBV_MTU_4096;
  EXPECT_EQ(api.modifyQp(s.qp, &r, full), EINVAL) << "path MTU above the port's active MTU";
  r.path_mtu = IBV_MTU_1024;
  r.ah_attr.is_global = 0;
  EXPECT_EQ(api.modifyQp(s.qp, &r, full), EINVAL) << "RoCE address vector without GRH";
  r.ah_attr = roceAv(9);
  EXPECT_EQ(api.modifyQp(s.qp, &r, full), EINVAL) << "sgid_index past the GID table";
  r.ah_attr = roceAv();
  ASSERT_EQ(api.modifyQp(s.qp, &r, full), 0);
  EXPECT_EQ(rcRts(api, s.qp, p), 0);
  EXPECT_EQ(s.qp->state, IBV_QPS_RTS);
  a.qp_state = IBV_QPS_INIT;
  EXPECT_EQ(api.modifyQp(s.qp, &a, IBV_QP_STATE), EINVAL) << "RTS -> INIT";
  a.qp_state = IBV_QPS_RESET;
  EXPECT_EQ(api.modifyQp(s.qp, &a, IBV_QP_STATE), 0);
  EXPECT_EQ(s.qp->state, IBV_QPS_RESET);
}

TEST_F(SoftVerbs, RtsNeedsEveryRequesterAttribute) {
  Side s(dir.path());
  RcParams p;
  ASSERT_EQ(rcInit(*s.api, s.qp, IBV_ACCESS_LOCAL_WRITE), 0);
  ASSERT_EQ(rcRtr(*s.api, s.qp, 5, p), 0);
  ibv_qp_attr a{};
  a.qp_state = IBV_QPS_RTS;
  EXPECT_EQ(s.api->modifyQp(s.qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
                                           IBV_QP_MAX_QP_RD_ATOMIC), EINVAL) << "without SQ_PSN";
  EXPECT_EQ(s.qp->state, IBV_QPS_RTR);
}

TEST_F(SoftVerbs, UdTransitionsAndAddressHandles) {
  Side s(dir.path(), QpSpec{IBV_QPT_UD});
  ibv_qp_attr a{};
  a.qp_state = IBV_QPS_INIT;
  a.port_num = 1;
  EXPECT_EQ(s.api->modifyQp(s.qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT), EINVAL) << "UD INIT needs QKEY";
  EXPECT_EQ(s.api->modifyQp(s.qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_QKEY |
                                           IBV_QP_ACCESS_FLAGS), EINVAL) << "ACCESS_FLAGS is not a UD attribute";
  a.qkey = 7;
  ASSERT_EQ(s.api->modifyQp(s.qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_QKEY), 0);
  a.qp_state = IBV_QPS_RTR;
  EXPECT_EQ(s.api->modifyQp(s.qp, &a, IBV_QP_STATE | IBV_QP_PATH_MTU), EINVAL);
  ASSERT_EQ(s.api->modifyQp(s.qp, &a, IBV_QP_STATE), 0);
  a.qp_state = IBV_QPS_RTS;
  EXPECT_EQ(s.api->modifyQp(s.qp, &a, IBV_QP_STATE), EINVAL) << "UD RTS needs SQ_PSN";
  EXPECT_EQ(s.api->modifyQp(s.qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN | IBV_QP_TIMEOUT), EINVAL);
  EXPECT_EQ(s.api->modifyQp(s.qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN), 0);
  ibv_ah_attr av = roceAv();
  av.is_global = 0;
  errno = 0;
  EXPECT_EQ(s.api->createAh(s.pd, &av), nullptr);
  EXPECT_EQ(errno, EINVAL) << "RoCE AH without GRH";
  av = roceAv(4);
  EXPECT_EQ(s.api->createAh(s.pd, &av), nullptr) << "sgid_index past the table";
  av = roceAv();
  ibv_ah* ah = s.api->createAh(s.pd, &av);
  ASSERT_NE(ah, nullptr);
  EXPECT_EQ(s.api->destroyAh(ah), 0);
}

TEST_F(SoftVerbs, PostRulesFollowTheQpState) {
  Side s(dir.path(), QpSpec{IBV_QPT_RC, 2, 2, 1, 16});
  EXPECT_EQ(s.postRecv(1, 0, 64), EINVAL) << "post_recv in RESET";
  ASSERT_EQ(rcInit(*s.api, s.qp, IBV_ACCESS_LOCAL_WRITE), 0);
  EXPECT_EQ(s.postRecv(1, 0, 64), 0) << "post_recv from INIT on";
  SendWr w(s, IBV_WR_SEND, 0, 8);
  EXPECT_EQ(s.post(w.wr), EINVAL) << "post_send before RTS";
  ibv_sge two[2] = {{s.addr(), 8, s.mr->lkey}, {s.addr(8), 8, s.mr->lkey}};
  ibv_recv_wr r{};
  r.sg_list = two;
  r.num_sge = 2;
  ibv_recv_wr* bad = nullptr;
  EXPECT_EQ(s.api->postRecv(s.qp, &r, &bad), EINVAL) << "num_sge above cap.max_recv_sge";
  EXPECT_EQ(s.postRecv(2, 64, 64), 0);
  r.num_sge = 1;
  EXPECT_EQ(s.api->postRecv(s.qp, &r, &bad), ENOMEM) << "receive queue full";
  EXPECT_EQ(bad, &r);
}

TEST_F(SoftVerbs, SendChecksSgeCountInlineSizeAndQueueDepth) {
  Side a(dir.path(), QpSpec{IBV_QPT_RC, 2, 4, 1, 16}), b(dir.path());
  connectRc(a, b);
  SendWr w(a, IBV_WR_SEND, 0, 8);
  ibv_sge two[2] = {w.sge, w.sge};
  w.wr.sg_list = two;
  w.wr.num_sge = 2;
  EXPECT_EQ(a.post(w.wr), EINVAL) << "num_sge above cap.max_send_sge";
  SendWr big(a, IBV_WR_SEND, 0, 17, 1, IBV_SEND_INLINE | IBV_SEND_SIGNALED);
  EXPECT_EQ(a.post(big.wr), EINVAL) << "inline above cap.max_inline_data";
  SendWr w1(a, IBV_WR_SEND, 0, 8, 1, 0), w2(a, IBV_WR_SEND, 0, 8, 2, 0), w3(a, IBV_WR_SEND, 0, 8, 3, 0);
  w1.wr.next = &w2.wr;
  w2.wr.next = &w3.wr;
  ibv_send_wr* bad = nullptr;
  EXPECT_EQ(a.api->postSend(a.qp, &w1.wr, &bad), ENOMEM) << "three WRs into a queue of two";
  EXPECT_EQ(bad, &w3.wr);
}

TEST_F(SoftVerbs, UnsignaledSendsHoldTheirSlotsUntilASignaledCompletionIsPolled) {
  Side a(dir.path(), QpSpec{IBV_QPT_RC, 2}), b(dir.path());
  connectRc(a, b);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(b.postRecv(i, 64 * i, 64), 0);
  SendWr u1(a, IBV_WR_SEND, 0, 8, 1, 0), u2(a, IBV_WR_SEND, 0, 8, 2, 0), u3(a, IBV_WR_SEND, 0, 8, 3, 0);
  ASSERT_EQ(a.post(u1.wr), 0);
  ASSERT_EQ(a.post(u2.wr), 0);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(b.poll().status, IBV_WC_SUCCESS);  // delivered and acked
  EXPECT_EQ(a.post(u3.wr), ENOMEM) << "never signalling fills the send queue";
  ibv_wc none{};
  EXPECT_EQ(a.api->pollCq(a.cq, 1, &none, nullptr), 0) << "unsignalled: no completion";
}

TEST_F(SoftVerbs, ASignaledCompletionFreesTheUnsignaledSlotsBeforeIt) {
  Side a(dir.path(), QpSpec{IBV_QPT_RC, 2}), b(dir.path());
  connectRc(a, b);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(b.postRecv(i, 64 * i, 64), 0);
  SendWr u(a, IBV_WR_SEND, 0, 8, 1, 0), s(a, IBV_WR_SEND, 0, 8, 2);
  ASSERT_EQ(a.post(u.wr), 0);
  ASSERT_EQ(a.post(s.wr), 0);
  ibv_wc wc = a.poll();
  EXPECT_EQ(wc.status, IBV_WC_SUCCESS);
  EXPECT_EQ(wc.wr_id, 2u);
  EXPECT_EQ(a.post(u.wr), 0);
  EXPECT_EQ(a.post(s.wr), 0);
}

TEST_F(SoftVerbs, RcSendDeliversWithTheFieldsOfAWorkCompletion) {
  Side a(dir.path()), b(dir.path());
  connectRc(a, b);
  const uint32_t big = 200 * 1024;  // several 64 KiB pieces
  for (uint32_t i = 0; i < big; ++i) a.buf[i] = static_cast<uint8_t>(i * 7);
  ASSERT_EQ(b.postRecv(77, 0, big), 0);
  SendWr w(a, IBV_WR_SEND, 0, big, 9);
  ASSERT_EQ(a.post(w.wr), 0);
  uint64_t ts = 0;
  ibv_wc rc = b.poll(&ts);
  EXPECT_EQ(rc.status, IBV_WC_SUCCESS);
  EXPECT_EQ(rc.opcode, IBV_WC_RECV);
  EXPECT_EQ(rc.wr_id, 77u);
  EXPECT_EQ(rc.byte_len, big);
  EXPECT_EQ(rc.qp_num, b.qp->qp_num);
  EXPECT_EQ(rc.src_qp, a.qp->qp_num);
  EXPECT_GT(ts, 0u);
  EXPECT_EQ(std::memcmp(a.buf.data(), b.buf.data(), big), 0);
  ibv_wc sc = a.poll();
  EXPECT_EQ(sc.status, IBV_WC_SUCCESS);
  EXPECT_EQ(sc.opcode, IBV_WC_SEND);
  EXPECT_EQ(sc.wr_id, 9u);
  EXPECT_EQ(softReceivedTrafficClass(*b.api, b.qp), 0x68);
}

TEST_F(SoftVerbs, InlineDataIsCopiedAtPostTime) {
  Side a(dir.path()), b(dir.path());
  connectRc(a, b);
  std::memcpy(a.buf.data(), "original", 8);
  ASSERT_EQ(b.postRecv(1, 0, 64), 0);
  SendWr w(a, IBV_WR_SEND, 0, 8, 1, IBV_SEND_INLINE | IBV_SEND_SIGNALED);
  w.sge.lkey = 0xdead;  // ignored for inline data
  ASSERT_EQ(a.post(w.wr), 0);
  std::memcpy(a.buf.data(), "modified", 8);
  EXPECT_EQ(b.poll().status, IBV_WC_SUCCESS);
  EXPECT_EQ(std::memcmp(b.buf.data(), "original", 8), 0);
}

TEST_F(SoftVerbs, NoReceivePostedIsRnrUntilRetriesRunOut) {
  Side a(dir.path()), b(dir.path());
  RcParams pa;
  pa.rnr_retry = 2;
  RcParams pb;
  pb.min_rnr_timer = 1;
  connectRc(a, b, pa, pb);
  SendWr w(a, IBV_WR_SEND, 0, 8, 5), w2(a, IBV_WR_SEND, 0, 8, 6);
  ASSERT_EQ(a.post(w.wr), 0);
  ASSERT_EQ(a.post(w2.wr), 0);
  ibv_wc wc = a.poll();
  EXPECT_EQ(wc.status, IBV_WC_RNR_RETRY_EXC_ERR);
  EXPECT_EQ(wc.wr_id, 5u);
  EXPECT_EQ(a.poll().status, IBV_WC_WR_FLUSH_ERR) << "the QP is in ERR and flushes the rest";
  EXPECT_EQ(a.qp->state, IBV_QPS_ERR);
  ASSERT_EQ(a.post(w.wr), 0) << "in ERR, posting succeeds and flushes";
  EXPECT_EQ(a.poll().status, IBV_WC_WR_FLUSH_ERR);
}

TEST_F(SoftVerbs, ReceivePostedLaterWinsWithInfiniteRnrRetry) {
  Side a(dir.path()), b(dir.path());
  connectRc(a, b);  // rnr_retry 7 = forever
  SendWr w(a, IBV_WR_SEND, 0, 8, 5);
  ASSERT_EQ(a.post(w.wr), 0);
  ASSERT_EQ(b.postRecv(1, 0, 64), 0);
  EXPECT_EQ(a.poll().status, IBV_WC_SUCCESS);
  EXPECT_EQ(b.poll().status, IBV_WC_SUCCESS);
}

TEST_F(SoftVerbs, SendLongerThanTheReceiveIsLengthErrorOnBothSides) {
  Side a(dir.path()), b(dir.path());
  connectRc(a, b);
  ASSERT_EQ(b.postRecv(1, 0, 16), 0);
  ASSERT_EQ(b.postRecv(2, 64, 64), 0);
  SendWr w(a, IBV_WR_SEND, 0, 32);
  ASSERT_EQ(a.post(w.wr), 0);
  EXPECT_EQ(a.poll().status, IBV_WC_REM_INV_REQ_ERR);
  ibv_wc r1 = b.poll();
  EXPECT_EQ(r1.status, IBV_WC_LOC_LEN_ERR);
  EXPECT_EQ(r1.wr_id, 1u);
  ibv_wc r2 = b.poll();
  EXPECT_EQ(r2.status, IBV_WC_WR_FLUSH_ERR) << "every other receive flushed";
  EXPECT_EQ(r2.wr_id, 2u);
}

TEST_F(SoftVerbs, BadLocalKeyIsAProtectionErrorCompletion) {
  Side a(dir.path()), b(dir.path());
  connectRc(a, b);
  SendWr w(a, IBV_WR_SEND, 0, 8);
  w.sge.lkey = 0x1234;
  ASSERT_EQ(a.post(w.wr), 0);
  EXPECT_EQ(a.poll().status, IBV_WC_LOC_PROT_ERR);
}

TEST_F(SoftVerbs, ObjectCreationFollowsTheKernelChecks) {
  Side s(dir.path());
  std::vector<uint8_t> mem(64);
  errno = 0;
  EXPECT_EQ(s.api->regMr(s.pd, mem.data(), mem.size(), IBV_ACCESS_REMOTE_WRITE), nullptr);
  EXPECT_EQ(errno, EINVAL) << "REMOTE_WRITE needs LOCAL_WRITE";
  ibv_qp_init_attr init = s.init;
  init.cap.max_send_wr = 100000;
  EXPECT_EQ(s.api->createQp(s.pd, &init), nullptr) << "max_send_wr above max_qp_wr";
  init = s.init;
  init.cap.max_inline_data = 4096;
  EXPECT_EQ(s.api->createQp(s.pd, &init), nullptr) << "max_inline_data above the device's";
  EXPECT_EQ(s.api->destroyCq(s.cq), EBUSY) << "a QP still uses the CQ";
  EXPECT_EQ(s.api->deallocPd(s.pd), EBUSY) << "an MR and a QP still use the PD";
  errno = 0;
  EXPECT_EQ(s.api->openDevice("mlx5_0"), nullptr);
  EXPECT_EQ(errno, ENODEV);
}

TEST_F(SoftVerbs, ReceiveBufferWithoutLocalWriteIsAProtectionError) {
  Side a(dir.path()), b(dir.path());
  connectRc(a, b);
  ibv_mr* ro = b.api->regMr(b.pd, b.buf.data(), 4096, IBV_ACCESS_REMOTE_READ);
  ASSERT_NE(ro, nullptr);
  ibv_sge sge{b.addr(), 64, ro->lkey};
  ibv_recv_wr r{};
  r.wr_id = 4;
  r.sg_list = &sge;
  r.num_sge = 1;
  ibv_recv_wr* bad = nullptr;
  ASSERT_EQ(b.api->postRecv(b.qp, &r, &bad), 0);
  SendWr w(a, IBV_WR_SEND, 0, 8);
  ASSERT_EQ(a.post(w.wr), 0);
  EXPECT_EQ(b.poll().status, IBV_WC_LOC_PROT_ERR);
  EXPECT_EQ(a.poll().status, IBV_WC_REM_OP_ERR);
  EXPECT_EQ(b.api->deregMr(ro), 0);
}

TEST_F(SoftVerbs, LocalKeyOfAnotherPdIsAProtectionError) {
  Side a(dir.path()), b(dir.path());
  connectRc(a, b);
  ibv_pd* other = a.api->allocPd(a.ctx);
  ibv_mr* foreign = a.api->regMr(other, a.buf.data(), 4096, IBV_ACCESS_LOCAL_WRITE);
  ASSERT_EQ(b.postRecv(1, 0, 64), 0);
  SendWr w(a, IBV_WR_SEND, 0, 8);
  w.sge.lkey = foreign->lkey;
  ASSERT_EQ(a.post(w.wr), 0);
  EXPECT_EQ(a.poll().status, IBV_WC_LOC_PROT_ERR);
  EXPECT_EQ(a.api->deregMr(foreign), 0);
  EXPECT_EQ(a.api->deallocPd(other), 0);
}

struct AccessCase {
  const char* what;
  int mr_access;     // responder buffer
  int qp_access;     // responder QP
  int64_t offset;    // remote address offset into the responder buffer (past end: out of bounds)
  bool bad_rkey;
  ibv_wr_opcode op;
};

class SoftVerbsAccess : public SoftVerbs, public ::testing::WithParamInterface<AccessCase> {};

// Stable test names ("write_with_a_wrong_rkey"), not the case's bytes: ctest's names (and its
// timing history) must not change between builds.
std::string accessCaseName(const ::testing::TestParamInfo<AccessCase>& info) {
  std::string name;
  for (const char* c = info.param.what; *c; ++c) name += std::isalnum(static_cast<unsigned char>(*c)) ? *c : '_';
  return name;
}

TEST_P(SoftVerbsAccess, IsRemoteAccessErrorAtTheRequester) {
  const AccessCase& c = GetParam();
  Side a(dir.path()), b(dir.path(), QpSpec{}, c.mr_access);
  RcParams pb;
  pb.access = c.qp_access;
  connectRc(a, b, RcParams{}, pb);
  SendWr w(a, c.op, 0, 64);
  w.rdma(b.addr() + static_cast<uint64_t>(c.offset), c.bad_rkey ? b.mr->rkey + 1 : b.mr->rkey);
  ASSERT_EQ(b.postRecv(1, 0, 64), 0);
  ASSERT_EQ(a.post(w.wr), 0);
  ibv_wc wc = a.poll();
  EXPECT_EQ(wc.status, IBV_WC_REM_ACCESS_ERR) << c.what;
  EXPECT_EQ(a.qp->state, IBV_QPS_ERR);
}

constexpr int kAll = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ;
INSTANTIATE_TEST_SUITE_P(
    Rules, SoftVerbsAccess,
    ::testing::Values(AccessCase{"write with a wrong rkey", kAll, kAll, 0, true, IBV_WR_RDMA_WRITE},
                      AccessCase{"write past the MR", kAll, kAll, 512 * 1024 - 32, false, IBV_WR_RDMA_WRITE},
                      AccessCase{"write to an MR without REMOTE_WRITE", IBV_ACCESS_LOCAL_WRITE, kAll, 0, false,
                                 IBV_WR_RDMA_WRITE},
                      AccessCase{"write_imm to a QP without REMOTE_WRITE", kAll, IBV_ACCESS_LOCAL_WRITE, 0, false,
                                 IBV_WR_RDMA_WRITE_WITH_IMM},
                      AccessCase{"read from an MR without REMOTE_READ",
                                 IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE, kAll, 0, false, IBV_WR_RDMA_READ},
                      AccessCase{"read from a QP without REMOTE_READ", kAll,
                                 IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE, 0, false, IBV_WR_RDMA_READ}),
    accessCaseName);

TEST_F(SoftVerbs, WriteWithImmediateConsumesAReceive) {
  Side a(dir.path()), b(dir.path());
  connectRc(a, b);
  std::memcpy(a.buf.data(), "payload!", 8);
  ASSERT_EQ(b.postRecv(3, 0, 0), 0);
  SendWr w(a, IBV_WR_RDMA_WRITE_WITH_IMM, 0, 8, 4);
  w.rdma(b.addr(4096), b.mr->rkey);
  w.wr.imm_data = htonl(0xabcd);
  ASSERT_EQ(a.post(w.wr), 0);
  ibv_wc r = b.poll();
  EXPECT_EQ(r.status, IBV_WC_SUCCESS);
  EXPECT_EQ(r.opcode, IBV_WC_RECV_RDMA_WITH_IMM);
  EXPECT_TRUE(r.wc_flags & IBV_WC_WITH_IMM);
  EXPECT_EQ(r.imm_data, htonl(0xabcd));
  EXPECT_EQ(r.byte_len, 8u);
  EXPECT_EQ(std::memcmp(b.buf.data() + 4096, "payload!", 8), 0);
  ibv_wc s = a.poll();
  EXPECT_EQ(s.status, IBV_WC_SUCCESS);
  EXPECT_EQ(s.opcode, IBV_WC_RDMA_WRITE);
}

TEST_F(SoftVerbs, ReadFetchesRemoteMemory) {
  Side a(dir.path()), b(dir.path());
  connectRc(a, b);
  for (int i = 0; i < 100000; ++i) b.buf[i] = static_cast<uint8_t>(i * 13);
  SendWr w(a, IBV_WR_RDMA_READ, 0, 100000, 8);
  w.rdma(b.addr(), b.mr->rkey);
  ASSERT_EQ(a.post(w.wr), 0);
  ibv_wc wc = a.poll();
  EXPECT_EQ(wc.status, IBV_WC_SUCCESS);
  EXPECT_EQ(wc.opcode, IBV_WC_RDMA_READ);
  EXPECT_EQ(wc.byte_len, 100000u);
  EXPECT_EQ(std::memcmp(a.buf.data(), b.buf.data(), 100000), 0);
}

TEST_F(SoftVerbs, ReadNeedsReadCreditsOnBothSides) {
  Side a(dir.path()), b(dir.path());
  RcParams pa, pb;
  pa.rd_atomic = 0;
  pb.dest_rd_atomic = 0;
  connectRc(a, b, pa, pb);
  SendWr w(a, IBV_WR_RDMA_READ, 0, 8);
  w.rdma(b.addr(), b.mr->rkey);
  EXPECT_EQ(a.post(w.wr), EINVAL) << "requester max_rd_atomic 0";
}

TEST_F(SoftVerbs, ResponderWithoutReadCreditsRejectsTheRead) {
  Side a(dir.path()), b(dir.path());
  RcParams pb;
  pb.dest_rd_atomic = 0;
  connectRc(a, b, RcParams{}, pb);
  SendWr w(a, IBV_WR_RDMA_READ, 0, 8);
  w.rdma(b.addr(), b.mr->rkey);
  ASSERT_EQ(a.post(w.wr), 0);
  EXPECT_EQ(a.poll().status, IBV_WC_REM_INV_REQ_ERR);
}

TEST_F(SoftVerbs, WrongDestinationGidIsRetryExceeded) {
  Side a(dir.path()), b(dir.path());
  RcParams pa;
  pa.dgid = loopbackGid("10.9.9.9");
  pa.timeout = 4;  // 65 us
  pa.retry_cnt = 2;
  connectRc(a, b, pa);
  ASSERT_EQ(b.postRecv(1, 0, 64), 0);
  SendWr w(a, IBV_WR_SEND, 0, 8);
  ASSERT_EQ(a.post(w.wr), 0);
  EXPECT_EQ(a.poll().status, IBV_WC_RETRY_EXC_ERR);
}

TEST_F(SoftVerbs, PathDeadFaultIsRetryExceeded) {
  Side a(dir.path()), b(dir.path());
  RcParams pa;
  pa.timeout = 4;
  pa.retry_cnt = 1;
  connectRc(a, b, pa);
  setSoftFault(*a.api, SoftFault::kPathDead);
  SendWr w(a, IBV_WR_SEND, 0, 8);
  ASSERT_EQ(a.post(w.wr), 0);
  EXPECT_EQ(a.poll().status, IBV_WC_RETRY_EXC_ERR);
}

TEST_F(SoftVerbs, PeerGoneIsRetryExceeded) {
  Side a(dir.path());
  RcParams pa;
  pa.timeout = 4;
  pa.retry_cnt = 1;
  uint32_t gone = 0;
  {
    Side b(dir.path());
    gone = b.qp->qp_num;
  }
  rcUp(a, gone, pa);
  SendWr w(a, IBV_WR_SEND, 0, 8);
  ASSERT_EQ(a.post(w.wr), 0);
  EXPECT_EQ(a.poll().status, IBV_WC_RETRY_EXC_ERR);
}

TEST_F(SoftVerbs, RemoteAccessFaultRejectsEveryRdmaOperation) {
  Side a(dir.path()), b(dir.path());
  connectRc(a, b);
  setSoftFault(*b.api, SoftFault::kRemoteAccess);
  SendWr w(a, IBV_WR_RDMA_WRITE, 0, 8);
  w.rdma(b.addr(), b.mr->rkey);
  ASSERT_EQ(a.post(w.wr), 0);
  EXPECT_EQ(a.poll().status, IBV_WC_REM_ACCESS_ERR);
}

TEST_F(SoftVerbs, PsnMismatchIsRetryExceeded) {
  Side a(dir.path()), b(dir.path());
  RcParams pa, pb;
  pa.timeout = 4;
  pa.retry_cnt = 1;
  pb.rq_psn = 5000;  // b expects a PSN a never sends
  connectRc(a, b, pa, pb);
  ASSERT_EQ(b.postRecv(1, 0, 64), 0);
  SendWr w(a, IBV_WR_SEND, 0, 8);
  ASSERT_EQ(a.post(w.wr), 0);
  EXPECT_EQ(a.poll().status, IBV_WC_RETRY_EXC_ERR);
}

struct UdSend {
  ibv_sge sge{};
  ibv_send_wr wr{};
  UdSend(Side& s, ibv_ah* ah, uint32_t qpn, uint32_t qkey, size_t off, uint32_t len, uint64_t id) {
    sge = {s.addr(off), len, s.mr->lkey};
    wr.wr_id = id;
    wr.opcode = IBV_WR_SEND;
    wr.sg_list = &sge;
    wr.num_sge = 1;
    wr.send_flags = IBV_SEND_SIGNALED;
    wr.wr.ud.ah = ah;
    wr.wr.ud.remote_qpn = qpn;
    wr.wr.ud.remote_qkey = qkey;
  }
};

TEST_F(SoftVerbs, UdDeliversWithTheGrhFirst) {
  Side a(dir.path(), QpSpec{IBV_QPT_UD}), b(dir.path(), QpSpec{IBV_QPT_UD});
  udUp(a);
  udUp(b);
  ibv_ah_attr av = roceAv();
  ibv_ah* ah = a.api->createAh(a.pd, &av);
  ASSERT_NE(ah, nullptr);
  std::memcpy(a.buf.data(), "wrongkey", 8);
  std::memcpy(a.buf.data() + 8, "rightkey", 8);
  ASSERT_EQ(b.postRecv(1, 0, 40 + 64), 0);
  UdSend wrong(a, ah, b.qp->qp_num, 0x2222, 0, 8, 1), right(a, ah, b.qp->qp_num, 0x1111, 8, 8, 2);
  ASSERT_EQ(a.post(wrong.wr), 0);
  ASSERT_EQ(a.post(right.wr), 0);
  EXPECT_EQ(a.poll().status, IBV_WC_SUCCESS) << "UD: the sender completes whatever happens next";
  EXPECT_EQ(a.poll().status, IBV_WC_SUCCESS);
  ibv_wc r = b.poll();
  EXPECT_EQ(r.status, IBV_WC_SUCCESS);
  EXPECT_EQ(r.byte_len, 40u + 8u);
  EXPECT_TRUE(r.wc_flags & IBV_WC_GRH);
  EXPECT_EQ(r.src_qp, a.qp->qp_num);
  EXPECT_EQ(std::memcmp(b.buf.data() + 40, "rightkey", 8), 0) << "the wrong qkey was dropped";
  EXPECT_EQ(b.buf[0] >> 4, 6) << "GRH version";
  EXPECT_EQ(((b.buf[0] & 0xf) << 4) | (b.buf[1] >> 4), 0x68) << "traffic class in the GRH";
  EXPECT_EQ(softReceivedTrafficClass(*b.api, b.qp), 0x68);
  EXPECT_EQ(a.api->destroyAh(ah), 0);
}

TEST_F(SoftVerbs, UdDropsWithoutAReceiveAndChecksSizes) {
  Side a(dir.path(), QpSpec{IBV_QPT_UD}), b(dir.path(), QpSpec{IBV_QPT_UD});
  udUp(a);
  udUp(b);
  ibv_ah_attr av = roceAv();
  ibv_ah* ah = a.api->createAh(a.pd, &av);
  ibv_ah_attr marked = roceAv();
  marked.grh.traffic_class = 0x20;  // tells when b has seen (and dropped) the first datagram
  ibv_ah* ah_marked = a.api->createAh(a.pd, &marked);
  UdSend first(a, ah_marked, b.qp->qp_num, 0x1111, 0, 8, 1);
  ASSERT_EQ(a.post(first.wr), 0);
  EXPECT_EQ(a.poll().status, IBV_WC_SUCCESS);  // nothing posted at b: dropped
  auto end = std::chrono::steady_clock::now() + kWait;
  while (softReceivedTrafficClass(*b.api, b.qp) != 0x20 && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  ASSERT_EQ(softReceivedTrafficClass(*b.api, b.qp), 0x20) << "b never saw the first datagram";
  UdSend huge(a, ah, b.qp->qp_num, 0x1111, 0, 1025, 2);
  ASSERT_EQ(a.post(huge.wr), 0);
  EXPECT_EQ(a.poll().status, IBV_WC_LOC_LEN_ERR) << "payload above the 1024-byte MTU";
  Side c(dir.path(), QpSpec{IBV_QPT_UD});
  udUp(c);
  ibv_ah* ah_c = c.api->createAh(c.pd, &av);
  ASSERT_EQ(b.postRecv(7, 0, 40 + 16), 0);
  UdSend second(c, ah_c, b.qp->qp_num, 0x1111, 0, 16, 3);
  ASSERT_EQ(c.post(second.wr), 0);
  ibv_wc r = b.poll();
  EXPECT_EQ(r.wr_id, 7u) << "the first datagram found no receive and was not kept";
  EXPECT_EQ(r.byte_len, 56u);
  ASSERT_EQ(b.postRecv(8, 0, 16), 0);
  ASSERT_EQ(c.post(second.wr), 0);
  EXPECT_EQ(b.poll().status, IBV_WC_LOC_LEN_ERR) << "no room for GRH + payload";
  c.api->destroyAh(ah_c);
  a.api->destroyAh(ah_marked);
  a.api->destroyAh(ah);
}

TEST_F(SoftVerbs, CqOverrunBreaksTheCqAndItsQps) {
  Side a(dir.path()), b(dir.path(), QpSpec{IBV_QPT_RC, 16, 16, 4, 64, 2});
  connectRc(a, b);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(b.postRecv(i, 64 * i, 64), 0);
  for (int i = 0; i < 3; ++i) {
    SendWr w(a, IBV_WR_SEND, 0, 8, i);
    ASSERT_EQ(a.post(w.wr), 0);
  }
  for (int i = 0; i < 3; ++i) EXPECT_EQ(a.poll().status, IBV_WC_SUCCESS);  // all three were received
  ibv_wc wc[4];
  EXPECT_LT(b.api->pollCq(b.cq, 4, wc, nullptr), 0) << "three completions into a CQ of two";
  EXPECT_EQ(b.qp->state, IBV_QPS_ERR);
}

TEST_F(SoftVerbs, CompletionChannelSignalsAnArmedCq) {
  Side a(dir.path()), b(dir.path());
  ibv_comp_channel* ch = b.api->createCompChannel(b.ctx);
  ASSERT_NE(ch, nullptr);
  ibv_cq* cq = b.api->createCq(b.ctx, 8, ch, false);
  ibv_cq* got = nullptr;
  EXPECT_EQ(b.api->getCqEvent(ch, &got), EAGAIN);
  ASSERT_EQ(b.api->reqNotifyCq(cq, 0), 0);
  // A second QP on b whose receive CQ is the armed one.
  ibv_qp_init_attr init = b.init;
  init.recv_cq = cq;
  ibv_qp* qp = b.api->createQp(b.pd, &init);
  ASSERT_NE(qp, nullptr);
  rcUp(a, qp->qp_num);
  ASSERT_EQ(rcInit(*b.api, qp, IBV_ACCESS_LOCAL_WRITE), 0);
  ASSERT_EQ(rcRtr(*b.api, qp, a.qp->qp_num, RcParams{}), 0);
  ibv_sge sge{b.addr(), 64, b.mr->lkey};
  ibv_recv_wr r{};
  r.sg_list = &sge;
  r.num_sge = 1;
  ibv_recv_wr* bad = nullptr;
  ASSERT_EQ(b.api->postRecv(qp, &r, &bad), 0);
  SendWr w(a, IBV_WR_SEND, 0, 8);
  ASSERT_EQ(a.post(w.wr), 0);
  pollfd pfd{ch->fd, POLLIN, 0};
  ASSERT_EQ(::poll(&pfd, 1, 10000), 1);
  ASSERT_EQ(b.api->getCqEvent(ch, &got), 0);
  EXPECT_EQ(got, cq);
  b.api->ackCqEvents(cq, 1);
  EXPECT_EQ(b.api->getCqEvent(ch, &got), EAGAIN);
  ibv_wc wc{};
  EXPECT_EQ(b.api->pollCq(cq, 1, &wc, nullptr), 1);
  EXPECT_EQ(b.api->destroyQp(qp), 0);
  EXPECT_EQ(b.api->destroyCq(cq), 0);
  EXPECT_EQ(b.api->destroyCompChannel(ch), 0);
}

// The child of the cross-process test: a responder that checks what it receives.
int childResponder(const std::string& dir, int to_parent, int from_parent) {
  Side b(dir);
  uint64_t info[3] = {b.qp->qp_num, b.addr(), b.mr->rkey};
  if (::write(to_parent, info, sizeof info) != sizeof info) return 10;
  uint32_t peer = 0;
  if (::read(from_parent, &peer, sizeof peer) != sizeof peer) return 11;
  std::memcpy(b.buf.data() + 8192, "readable", 8);
  RcParams p;
  if (rcInit(*b.api, b.qp, p.access) || rcRtr(*b.api, b.qp, peer, p) || rcRts(*b.api, b.qp, p)) return 13;
  if (b.postRecv(1, 0, 64) != 0 || b.postRecv(2, 64, 0) != 0) return 12;
  ibv_wc s = b.poll(), w = b.poll();
  if (s.status != IBV_WC_SUCCESS || s.opcode != IBV_WC_RECV || std::memcmp(b.buf.data(), "hello", 5)) return 14;
  if (w.opcode != IBV_WC_RECV_RDMA_WITH_IMM || w.imm_data != htonl(42) || std::memcmp(b.buf.data() + 4096, "world", 5))
    return 15;
  char done = 0;
  return ::read(from_parent, &done, 1) == 1 ? 0 : 16;  // stay up until the parent's READ is over
}

TEST_F(SoftVerbs, ProcessesSharingTheFabricDirectoryTalk) {
  int up[2], down[2];
  ASSERT_EQ(::pipe(up), 0);
  ASSERT_EQ(::pipe(down), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) ::_exit(childResponder(dir.path(), up[1], down[0]));
  uint64_t info[3] = {};
  ASSERT_EQ(::read(up[0], info, sizeof info), static_cast<ssize_t>(sizeof info));
  {
    Side a(dir.path());
    uint32_t me = a.qp->qp_num;
    ASSERT_EQ(::write(down[1], &me, sizeof me), static_cast<ssize_t>(sizeof me));
    rcUp(a, static_cast<uint32_t>(info[0]));
    std::memcpy(a.buf.data(), "hello", 5);
    std::memcpy(a.buf.data() + 64, "world", 5);
    SendWr send(a, IBV_WR_SEND, 0, 5, 1), imm(a, IBV_WR_RDMA_WRITE_WITH_IMM, 64, 5, 2),
        read(a, IBV_WR_RDMA_READ, 128, 8, 3);
    imm.rdma(info[1] + 4096, static_cast<uint32_t>(info[2])).wr.imm_data = htonl(42);
    read.rdma(info[1] + 8192, static_cast<uint32_t>(info[2]));
    ASSERT_EQ(a.post(send.wr), 0);
    ASSERT_EQ(a.post(imm.wr), 0);
    ASSERT_EQ(a.post(read.wr), 0);
    for (uint64_t id = 1; id <= 3; ++id) {
      ibv_wc wc = a.poll();
      EXPECT_EQ(wc.status, IBV_WC_SUCCESS);
      EXPECT_EQ(wc.wr_id, id) << "completions in order";
    }
    EXPECT_EQ(std::memcmp(a.buf.data() + 128, "readable", 8), 0);
  }
  char done = 1;
  EXPECT_EQ(::write(down[1], &done, 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child's check that failed (see childResponder)";
  for (int fd : {up[0], up[1], down[0], down[1]}) ::close(fd);
}

TEST(SoftVerbsEnvironment, ReadsTheFabricDirectoryMtuAndFault) {
  ::unsetenv("FABCHECK_VERBS_SOFTWARE");
  EXPECT_EQ(softVerbsApiFromEnvironment(), nullptr);
  fabcheck::testing::TempDir dir("fcsv");
  ::setenv("FABCHECK_VERBS_SOFTWARE", dir.path().c_str(), 1);
  ::setenv("FABCHECK_VERBS_SOFTWARE_MTU", "4096", 1);
  auto api = softVerbsApiFromEnvironment();
  ASSERT_NE(api, nullptr);
  ibv_context* ctx = api->openDevice("softroce0");
  ibv_port_attr port{};
  ASSERT_EQ(api->queryPort(ctx, 1, &port), 0);
  EXPECT_EQ(port.active_mtu, IBV_MTU_4096);
  api->closeDevice(ctx);
  ::setenv("FABCHECK_VERBS_SOFTWARE_MTU", "9000", 1);
  EXPECT_THROW(softVerbsApiFromEnvironment(), ConfigError);
  ::unsetenv("FABCHECK_VERBS_SOFTWARE_MTU");
  ::setenv("FABCHECK_VERBS_SOFTWARE_FAULT", "sometimes", 1);
  EXPECT_THROW(softVerbsApiFromEnvironment(), ConfigError);
  ::unsetenv("FABCHECK_VERBS_SOFTWARE_FAULT");
  ::unsetenv("FABCHECK_VERBS_SOFTWARE");
}

}  // namespace
}  // namespace fabcheck::transport::verbs::testing
