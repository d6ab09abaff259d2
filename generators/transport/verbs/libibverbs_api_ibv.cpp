// libibverbsApi(): the VerbsApi over the real libibverbs (compiled only when the build found
// libibverbs; see CMakeLists.txt FABCHECK_HAVE_VERBS). Each member is one libibverbs call; the
// only glue is turning libibverbs' mixed return conventions into the seam's (0 or a positive
// errno; nullptr + errno) and polling extended CQs (completion timestamps) through the
// ibv_start_poll / ibv_next_poll / ibv_end_poll iterator.
//
// Extended CQs: createCq(timestamps=true) makes an ibv_cq_ex and stores that ibv_cq_ex* in the
// plain CQ's cq_context (the seam gives callers no cq_context of their own), so pollCq knows,
// without a lock or a table, which CQs to poll through the iterator. Plain CQs have a null
// cq_context.
#include <fcntl.h>
#include <infiniband/verbs.h>
#include <time.h>

#include <cerrno>
#include <cstring>

#include "generators/transport/verbs/verbs_api.h"

namespace fabcheck::transport::verbs {

namespace {

// libibverbs calls return 0, a positive errno, or -1 with errno set (ibv_close_device,
// ibv_destroy_comp_channel, ibv_get_cq_event). The seam wants 0 or a positive errno.
int errnoOf(int rc) {
  if (rc == 0) return 0;
  if (rc > 0) return rc;
  if (rc == -1 && errno != 0) return errno;
  return -rc;
}

// The completion fields an extended CQ is asked to provide: those of ibv_wc, plus the timestamp.
constexpr uint64_t kExCqFlags = static_cast<uint64_t>(IBV_WC_STANDARD_FLAGS) |
                                static_cast<uint64_t>(IBV_WC_EX_WITH_COMPLETION_TIMESTAMP);

ibv_cq_ex* extendedOf(ibv_cq* cq) { return static_cast<ibv_cq_ex*>(cq->cq_context); }

// Copies the completion the iterator points at into `wc` (as ibv_poll_cq would fill it). On an
// error status only wr_id, status, vendor_err and qp_num are valid (ibv_poll_cq(3)).
void readCompletion(ibv_cq_ex* ex, ibv_wc* wc, uint64_t* ts) {
  *wc = ibv_wc{};
  wc->wr_id = ex->wr_id;
  wc->status = ex->status;
  wc->vendor_err = ibv_wc_read_vendor_err(ex);
  wc->qp_num = ibv_wc_read_qp_num(ex);
  if (ts != nullptr) *ts = 0;
  if (wc->status != IBV_WC_SUCCESS) return;
  wc->opcode = ibv_wc_read_opcode(ex);
  wc->byte_len = ibv_wc_read_byte_len(ex);
  wc->wc_flags = ibv_wc_read_wc_flags(ex);
  if ((wc->wc_flags & IBV_WC_WITH_IMM) != 0) wc->imm_data = ibv_wc_read_imm_data(ex);
  wc->src_qp = ibv_wc_read_src_qp(ex);
  wc->slid = static_cast<uint16_t>(ibv_wc_read_slid(ex));
  wc->sl = ibv_wc_read_sl(ex);
  wc->dlid_path_bits = ibv_wc_read_dlid_path_bits(ex);
  if (ts != nullptr) *ts = ibv_wc_read_completion_ts(ex);
}

// Up to n completions from an extended CQ. ENOENT from start/next means "no more".
int pollExtended(ibv_cq_ex* ex, int n, ibv_wc* wc, uint64_t* ts) {
  if (n <= 0) return 0;
  ibv_poll_cq_attr attr{};
  int rc = ibv_start_poll(ex, &attr);
  if (rc == ENOENT) return 0;
  if (rc != 0) return -errnoOf(rc);
  int got = 0;
  while (true) {
    readCompletion(ex, &wc[got], ts != nullptr ? &ts[got] : nullptr);
    ++got;
    if (got == n) break;
    rc = ibv_next_poll(ex);
    if (rc == ENOENT) break;
    if (rc != 0) {
      ibv_end_poll(ex);
      return -errnoOf(rc);
    }
  }
  ibv_end_poll(ex);
  return got;
}

int64_t realtimeNs() {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

class LibibverbsApi final : public VerbsApi {
 public:
  std::string name() const override { return "libibverbs"; }
  bool isSoftware() const override { return false; }

  int listDevices(std::vector<std::string>& names) override {
    names.clear();
    int n = 0;
    errno = 0;
    ibv_device** list = ibv_get_device_list(&n);
    if (list == nullptr) return errno != 0 ? errno : ENOSYS;
    for (int i = 0; i < n && list[i] != nullptr; ++i) {
      const char* dev = ibv_get_device_name(list[i]);
      names.emplace_back(dev != nullptr ? dev : "?");
    }
    ibv_free_device_list(list);
    return 0;
  }

  ibv_context* openDevice(const std::string& dev_name) override {
    int n = 0;
    errno = 0;
    ibv_device** list = ibv_get_device_list(&n);
    if (list == nullptr) {
      if (errno == 0) errno = ENOSYS;
      return nullptr;
    }
    ibv_context* ctx = nullptr;
    int err = ENODEV;
    for (int i = 0; i < n && list[i] != nullptr; ++i) {
      const char* dev = ibv_get_device_name(list[i]);
      if (dev == nullptr || dev_name != dev) continue;
      errno = 0;
      ctx = ibv_open_device(list[i]);
      err = ctx != nullptr ? 0 : (errno != 0 ? errno : EIO);
      break;
    }
    ibv_free_device_list(list);  // an opened context outlives the list
    if (ctx == nullptr) errno = err;
    return ctx;
  }
  int closeDevice(ibv_context* ctx) override { return errnoOf(ibv_close_device(ctx)); }

  int queryDevice(ibv_context* ctx, ibv_device_attr_ex* attr) override {
    return errnoOf(ibv_query_device_ex(ctx, nullptr, attr));
  }
  int queryPort(ibv_context* ctx, uint8_t port, ibv_port_attr* attr) override {
    return errnoOf(ibv_query_port(ctx, port, attr));
  }
  int queryGidEntry(ibv_context* ctx, uint8_t port, uint32_t index, ibv_gid_entry* entry) override {
    return errnoOf(ibv_query_gid_ex(ctx, port, index, entry, 0));
  }

  ibv_pd* allocPd(ibv_context* ctx) override { return ibv_alloc_pd(ctx); }
  int deallocPd(ibv_pd* pd) override { return errnoOf(ibv_dealloc_pd(pd)); }
  ibv_mr* regMr(ibv_pd* pd, void* addr, size_t length, int access) override {
    return ibv_reg_mr(pd, addr, length, access);
  }
  int deregMr(ibv_mr* mr) override { return errnoOf(ibv_dereg_mr(mr)); }

  ibv_comp_channel* createCompChannel(ibv_context* ctx) override;
  int destroyCompChannel(ibv_comp_channel* channel) override {
    return errnoOf(ibv_destroy_comp_channel(channel));
  }
  ibv_cq* createCq(ibv_context* ctx, int cqe, ibv_comp_channel* channel, bool timestamps) override;
  int destroyCq(ibv_cq* cq) override { return errnoOf(ibv_destroy_cq(cq)); }
  int pollCq(ibv_cq* cq, int n, ibv_wc* wc, uint64_t* ts) override;
  int reqNotifyCq(ibv_cq* cq, int solicited_only) override {
    return errnoOf(ibv_req_notify_cq(cq, solicited_only));
  }
  int getCqEvent(ibv_comp_channel* channel, ibv_cq** cq) override {
    void* cq_context = nullptr;
    errno = 0;
    return errnoOf(ibv_get_cq_event(channel, cq, &cq_context));
  }
  void ackCqEvents(ibv_cq* cq, unsigned int n) override { ibv_ack_cq_events(cq, n); }

  ibv_qp* createQp(ibv_pd* pd, ibv_qp_init_attr* attr) override { return ibv_create_qp(pd, attr); }
  int modifyQp(ibv_qp* qp, ibv_qp_attr* attr, int mask) override {
    return errnoOf(ibv_modify_qp(qp, attr, mask));
  }
  int destroyQp(ibv_qp* qp) override { return errnoOf(ibv_destroy_qp(qp)); }
  int postSend(ibv_qp* qp, ibv_send_wr* wr, ibv_send_wr** bad) override {
    return errnoOf(ibv_post_send(qp, wr, bad));
  }
  int postRecv(ibv_qp* qp, ibv_recv_wr* wr, ibv_recv_wr** bad) override {
    return errnoOf(ibv_post_recv(qp, wr, bad));
  }

  ibv_ah* createAh(ibv_pd* pd, ibv_ah_attr* attr) override { return ibv_create_ah(pd, attr); }
  int destroyAh(ibv_ah* ah) override { return errnoOf(ibv_destroy_ah(ah)); }

  int readClock(ibv_context* ctx, ClockSample* sample) override;
};

// The channel's fd is made non-blocking so getCqEvent answers EAGAIN instead of waiting.
ibv_comp_channel* LibibverbsApi::createCompChannel(ibv_context* ctx) {
  ibv_comp_channel* channel = ibv_create_comp_channel(ctx);
  if (channel == nullptr) return nullptr;
  int flags = fcntl(channel->fd, F_GETFL);
  if (flags < 0 || fcntl(channel->fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    int err = errno;
    ibv_destroy_comp_channel(channel);
    errno = err;
    return nullptr;
  }
  return channel;
}

ibv_cq* LibibverbsApi::createCq(ibv_context* ctx, int cqe, ibv_comp_channel* channel, bool timestamps) {
  if (!timestamps) return ibv_create_cq(ctx, cqe, nullptr, channel, 0);
  ibv_device_attr_ex dev{};
  if (int rc = errnoOf(ibv_query_device_ex(ctx, nullptr, &dev)); rc != 0) {
    errno = rc;
    return nullptr;
  }
  if (dev.completion_timestamp_mask == 0 || dev.hca_core_clock == 0) {
    errno = EOPNOTSUPP;  // the device stamps no completions
    return nullptr;
  }
  ibv_cq_init_attr_ex attr{};
  attr.cqe = static_cast<uint32_t>(cqe);
  attr.channel = channel;
  attr.comp_vector = 0;
  attr.wc_flags = kExCqFlags;
  errno = 0;
  ibv_cq_ex* ex = ibv_create_cq_ex(ctx, &attr);
  if (ex == nullptr) {
    // A provider without extended CQs: the seam's answer is EOPNOTSUPP.
    if (errno == 0 || errno == ENOSYS) errno = EOPNOTSUPP;
    return nullptr;
  }
  ibv_cq* cq = ibv_cq_ex_to_cq(ex);
  cq->cq_context = ex;
  return cq;
}

int LibibverbsApi::pollCq(ibv_cq* cq, int n, ibv_wc* wc, uint64_t* ts) {
  if (ibv_cq_ex* ex = extendedOf(cq); ex != nullptr) return pollExtended(ex, n, wc, ts);
  int got = ibv_poll_cq(cq, n, wc);
  if (got > 0 && ts != nullptr) std::memset(ts, 0, sizeof(uint64_t) * static_cast<size_t>(got));
  return got;
}

// The device clock in ticks and CLOCK_REALTIME read around it (the midpoint of the two wall-clock
// reads). Providers (mlx5) return the raw cycle count in raw_clock.tv_nsec with tv_sec 0; the
// sum below is that count either way.
int LibibverbsApi::readClock(ibv_context* ctx, ClockSample* sample) {
  ibv_device_attr_ex attr{};
  if (int rc = errnoOf(ibv_query_device_ex(ctx, nullptr, &attr)); rc != 0) return rc;
  if (attr.hca_core_clock == 0) return ENOTSUP;
  ibv_values_ex values{};
  values.comp_mask = IBV_VALUES_MASK_RAW_CLOCK;
  int64_t before = realtimeNs();
  int rc = errnoOf(ibv_query_rt_values_ex(ctx, &values));
  int64_t after = realtimeNs();
  if (rc == EOPNOTSUPP || rc == ENOSYS) return ENOTSUP;
  if (rc != 0) return rc;
  if ((values.comp_mask & IBV_VALUES_MASK_RAW_CLOCK) == 0) return ENOTSUP;
  sample->raw = static_cast<uint64_t>(values.raw_clock.tv_sec) * 1000000000ULL +
                static_cast<uint64_t>(values.raw_clock.tv_nsec);
  sample->realtime_ns = before + (after - before) / 2;
  sample->khz = attr.hca_core_clock;
  return 0;
}

}  // namespace

std::shared_ptr<VerbsApi> libibverbsApi() {
  static const std::shared_ptr<VerbsApi> api = std::make_shared<LibibverbsApi>();
  return api;
}

}  // namespace fabcheck::transport::verbs
