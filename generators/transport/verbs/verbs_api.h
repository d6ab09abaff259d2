// The seam at the verbs API: every rdma-core call the verbs transport makes goes through one
// VerbsApi, so the same transport code runs over a real device (libibverbs_api.cpp) and over the
// software device of the tests (soft/soft_verbs.h), which enforces the rules a kernel and a NIC
// enforce (QP state transitions and their required attributes, GRH on RoCE, MR access and
// bounds, RNR, flush on error, CQ overrun).
//
// Contract
// - The calls mirror libibverbs one to one, with its own structs (ibv_qp_attr, ibv_send_wr,
//   ibv_wc, ...) and its return conventions: int calls return 0 or a positive errno value;
//   pointer calls return nullptr and set errno. pollCq returns the count (>= 0) or a negative
//   value when the CQ is broken (overrun).
// - Handles (ibv_context*, ibv_pd*, ibv_mr*, ibv_cq*, ibv_qp*, ibv_ah*, ibv_comp_channel*) come
//   from the same VerbsApi and go back to it only. Their public fields are valid as in
//   libibverbs: mr->lkey/rkey/addr/length, qp->qp_num/qp_type/state, cq->cqe,
//   channel->fd. A software handle is never passed to libibverbs and vice versa.
// - Thread safety: as libibverbs (post/poll on different QPs/CQs from different threads is safe).
// - createCq(timestamps=true) asks for completion timestamps (ibv_create_cq_ex with
//   IBV_WC_EX_WITH_COMPLETION_TIMESTAMP); it fails with EOPNOTSUPP when the device has none.
//   pollCq then writes each completion's raw timestamp (device clock ticks) into ts[i];
//   readClock() samples that clock and CLOCK_REALTIME together for the conversion.
#pragma once

#include <infiniband/verbs.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fabcheck::transport::verbs {

// The device clock and the wall clock read together (ibv_query_rt_values_ex + CLOCK_REALTIME).
struct ClockSample {
  uint64_t raw = 0;          // device ticks (same unit as completion timestamps)
  int64_t realtime_ns = 0;   // CLOCK_REALTIME when `raw` was read
  uint64_t khz = 0;          // ticks per millisecond (ibv_device_attr_ex.hca_core_clock)
};

class VerbsApi {
 public:
  virtual ~VerbsApi() = default;

  // "libibverbs" or "software device". A software device's figures are never performance.
  virtual std::string name() const = 0;
  virtual bool isSoftware() const = 0;

  // ibv_get_device_list + ibv_get_device_name. 0, or the errno of the failure (ENOSYS when the
  // kernel has no RDMA support). An empty list with 0 is "no device".
  virtual int listDevices(std::vector<std::string>& names) = 0;
  virtual ibv_context* openDevice(const std::string& name) = 0;
  virtual int closeDevice(ibv_context* ctx) = 0;

  virtual int queryDevice(ibv_context* ctx, ibv_device_attr_ex* attr) = 0;  // ibv_query_device_ex
  virtual int queryPort(ibv_context* ctx, uint8_t port, ibv_port_attr* attr) = 0;
  // ibv_query_gid_ex: the GID, its type (IBV_GID_TYPE_ROCE_V2...) and its netdev's ifindex.
  // ENODATA/EINVAL for an empty or out-of-range index.
  virtual int queryGidEntry(ibv_context* ctx, uint8_t port, uint32_t index, ibv_gid_entry* entry) = 0;

  virtual ibv_pd* allocPd(ibv_context* ctx) = 0;
  virtual int deallocPd(ibv_pd* pd) = 0;
  virtual ibv_mr* regMr(ibv_pd* pd, void* addr, size_t length, int access) = 0;
  virtual int deregMr(ibv_mr* mr) = 0;

  virtual ibv_comp_channel* createCompChannel(ibv_context* ctx) = 0;  // channel->fd pollable
  virtual int destroyCompChannel(ibv_comp_channel* channel) = 0;
  virtual ibv_cq* createCq(ibv_context* ctx, int cqe, ibv_comp_channel* channel, bool timestamps) = 0;
  virtual int destroyCq(ibv_cq* cq) = 0;
  // ibv_poll_cq; `ts` (may be null) receives raw completion timestamps when the CQ has them.
  virtual int pollCq(ibv_cq* cq, int n, ibv_wc* wc, uint64_t* ts) = 0;
  virtual int reqNotifyCq(ibv_cq* cq, int solicited_only) = 0;
  // ibv_get_cq_event; the channel's fd is non-blocking, so EAGAIN means no event now.
  virtual int getCqEvent(ibv_comp_channel* channel, ibv_cq** cq) = 0;
  virtual void ackCqEvents(ibv_cq* cq, unsigned int n) = 0;

  virtual ibv_qp* createQp(ibv_pd* pd, ibv_qp_init_attr* attr) = 0;  // attr->cap gets the real caps
  virtual int modifyQp(ibv_qp* qp, ibv_qp_attr* attr, int mask) = 0;
  virtual int destroyQp(ibv_qp* qp) = 0;
  virtual int postSend(ibv_qp* qp, ibv_send_wr* wr, ibv_send_wr** bad) = 0;
  virtual int postRecv(ibv_qp* qp, ibv_recv_wr* wr, ibv_recv_wr** bad) = 0;

  virtual ibv_ah* createAh(ibv_pd* pd, ibv_ah_attr* attr) = 0;
  virtual int destroyAh(ibv_ah* ah) = 0;

  // ENOTSUP when the device has no readable clock (then no hardware timestamps).
  virtual int readClock(ibv_context* ctx, ClockSample* sample) = 0;
};

// The API of this process: the software device when FABCHECK_VERBS_SOFTWARE names its fabric
// directory (tests only; see soft/soft_verbs.h), else libibverbs (nullptr when fabcheck was
// built without it).
std::shared_ptr<VerbsApi> defaultVerbsApi();

#ifdef FABCHECK_HAVE_VERBS
// The real one (libibverbs_api.cpp).
std::shared_ptr<VerbsApi> libibverbsApi();
#endif

}  // namespace fabcheck::transport::verbs
