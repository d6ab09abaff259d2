// SoftVerbsApi: the VerbsApi of the software device. It resolves handles to their soft objects
// (rejecting foreign handles with EINVAL) and forwards to the owning SoftDevice.
#include "generators/transport/verbs/soft/soft_verbs.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>

#include "generators/core/errors.h"
#include "generators/transport/verbs/soft/soft_device.h"
#include "generators/transport/verbs/soft/soft_fabric_dir.h"

namespace fabcheck::transport::verbs {

using namespace soft;

namespace {

SoftDevice* devOf(ibv_context* ctx) {
  auto* c = fromIbv<SoftContext>(ctx, kMagicCtx);
  return c ? c->dev : nullptr;
}

template <class T>
T* failNull(int e) {
  errno = e;
  return nullptr;
}

class SoftVerbsApi final : public VerbsApi {
 public:
  explicit SoftVerbsApi(SoftDeviceConfig config)
      : config_(std::move(config)), fault_(std::make_shared<std::atomic<int>>(0)) {}

  std::string name() const override { return "software device"; }
  bool isSoftware() const override { return true; }
  void setFault(SoftFault f) { fault_->store(static_cast<int>(f)); }

  int listDevices(std::vector<std::string>& names) override {
    names = {config_.device_name};
    return 0;
  }
  ibv_context* openDevice(const std::string& name) override {
    if (name != config_.device_name) return failNull<ibv_context>(ENODEV);
    auto dev = std::make_unique<SoftDevice>(config_, fault_);
    if (int e = dev->start()) return failNull<ibv_context>(e);
    std::lock_guard lock(mu_);
    ibv_context* ctx = dev->context();
    devices_[ctx] = std::move(dev);
    return ctx;
  }
  int closeDevice(ibv_context* ctx) override {
    std::unique_ptr<SoftDevice> dev;
    {
      std::lock_guard lock(mu_);
      auto it = devices_.find(ctx);
      if (it == devices_.end()) return EINVAL;
      dev = std::move(it->second);
      devices_.erase(it);
    }
    return 0;  // dev's destructor joins its thread
  }
  int queryDevice(ibv_context* ctx, ibv_device_attr_ex* attr) override {
    SoftDevice* d = devOf(ctx);
    return d ? d->queryDevice(attr) : EINVAL;
  }
  int queryPort(ibv_context* ctx, uint8_t port, ibv_port_attr* attr) override {
    SoftDevice* d = devOf(ctx);
    return d ? d->queryPort(port, attr) : EINVAL;
  }
  int queryGidEntry(ibv_context* ctx, uint8_t port, uint32_t index, ibv_gid_entry* entry) override {
    SoftDevice* d = devOf(ctx);
    return d ? d->queryGid(port, index, entry) : EINVAL;
  }
  ibv_pd* allocPd(ibv_context* ctx) override {
    SoftDevice* d = devOf(ctx);
    return d ? d->allocPd() : failNull<ibv_pd>(EINVAL);
  }
  int deallocPd(ibv_pd* pd) override {
    auto* p = fromIbv<SoftPd>(pd, kMagicPd);
    return p ? p->dev->deallocPd(p) : EINVAL;
  }
  ibv_mr* regMr(ibv_pd* pd, void* addr, size_t length, int access) override {
    auto* p = fromIbv<SoftPd>(pd, kMagicPd);
    return p ? p->dev->regMr(p, addr, length, access) : failNull<ibv_mr>(EINVAL);
  }
  int deregMr(ibv_mr* mr) override {
    auto* m = fromIbv<SoftMr>(mr, kMagicMr);
    return m ? m->pd->dev->deregMr(m) : EINVAL;
  }
  ibv_comp_channel* createCompChannel(ibv_context* ctx) override {
    SoftDevice* d = devOf(ctx);
    return d ? d->createChannel() : failNull<ibv_comp_channel>(EINVAL);
  }
  int destroyCompChannel(ibv_comp_channel* channel) override {
    auto* ch = fromIbv<SoftChannel>(channel, kMagicCh);
    SoftDevice* d = ch ? devOf(channel->context) : nullptr;
    return d ? d->destroyChannel(ch) : EINVAL;
  }
  ibv_cq* createCq(ibv_context* ctx, int cqe, ibv_comp_channel* channel, bool timestamps) override {
    SoftDevice* d = devOf(ctx);
    auto* ch = fromIbv<SoftChannel>(channel, kMagicCh);
    if (d == nullptr || (channel != nullptr && ch == nullptr)) return failNull<ibv_cq>(EINVAL);
    return d->createCq(cqe, ch, timestamps);
  }
  int destroyCq(ibv_cq* cq) override {
    auto* c = fromIbv<SoftCq>(cq, kMagicCq);
    return c ? c->dev->destroyCq(c) : EINVAL;
  }
  int pollCq(ibv_cq* cq, int n, ibv_wc* wc, uint64_t* ts) override {
    auto* c = fromIbv<SoftCq>(cq, kMagicCq);
    return c ? c->dev->pollCq(c, n, wc, ts) : -EINVAL;
  }
  int reqNotifyCq(ibv_cq* cq, int /*solicited_only*/) override {
    auto* c = fromIbv<SoftCq>(cq, kMagicCq);
    return c ? c->dev->reqNotifyCq(c) : EINVAL;
  }
  int getCqEvent(ibv_comp_channel* channel, ibv_cq** cq) override;
  void ackCqEvents(ibv_cq* /*cq*/, unsigned int /*n*/) override {}

  ibv_qp* createQp(ibv_pd* pd, ibv_qp_init_attr* attr) override {
    auto* p = fromIbv<SoftPd>(pd, kMagicPd);
    return p ? p->dev->createQp(p, attr) : failNull<ibv_qp>(EINVAL);
  }
  int modifyQp(ibv_qp* qp, ibv_qp_attr* attr, int mask) override {
    auto* q = fromIbv<SoftQp>(qp, kMagicQp);
    return q ? q->dev->modifyQp(q, attr, mask) : EINVAL;
  }
  int destroyQp(ibv_qp* qp) override {
    auto* q = fromIbv<SoftQp>(qp, kMagicQp);
    return q ? q->dev->destroyQp(q) : EINVAL;
  }
  int postSend(ibv_qp* qp, ibv_send_wr* wr, ibv_send_wr** bad) override {
    auto* q = fromIbv<SoftQp>(qp, kMagicQp);
    return q ? q->dev->postSend(q, wr, bad) : EINVAL;
  }
  int postRecv(ibv_qp* qp, ibv_recv_wr* wr, ibv_recv_wr** bad) override {
    auto* q = fromIbv<SoftQp>(qp, kMagicQp);
    return q ? q->dev->postRecv(q, wr, bad) : EINVAL;
  }
  ibv_ah* createAh(ibv_pd* pd, ibv_ah_attr* attr) override {
    auto* p = fromIbv<SoftPd>(pd, kMagicPd);
    return p ? p->dev->createAh(p, attr) : failNull<ibv_ah>(EINVAL);
  }
  int destroyAh(ibv_ah* ah) override {
    auto* a = fromIbv<SoftAh>(ah, kMagicAh);
    SoftDevice* d = a ? devOf(ah->context) : nullptr;
    return d ? d->destroyAh(a) : EINVAL;
  }
  int readClock(ibv_context* ctx, ClockSample* sample) override {
    if (devOf(ctx) == nullptr) return EINVAL;
    if (!config_.completion_timestamps) return ENOTSUP;
    timespec rt{};
    sample->raw = rawClockNs();
    ::clock_gettime(CLOCK_REALTIME, &rt);
    sample->realtime_ns = static_cast<int64_t>(rt.tv_sec) * 1000000000 + rt.tv_nsec;
    sample->khz = 1000000;
    return 0;
  }

 private:
  SoftDeviceConfig config_;
  std::shared_ptr<std::atomic<int>> fault_;
  std::mutex mu_;
  std::map<ibv_context*, std::unique_ptr<SoftDevice>> devices_;
};

int SoftVerbsApi::getCqEvent(ibv_comp_channel* channel, ibv_cq** cq) {
  auto* ch = fromIbv<SoftChannel>(channel, kMagicCh);
  if (ch == nullptr) return EINVAL;
  std::lock_guard lock(ch->mu);
  if (ch->events.empty()) return EAGAIN;
  *cq = ch->events.front();
  ch->events.pop_front();
  uint64_t count;
  (void)!::read(ch->ibv.fd, &count, sizeof count);
  if (!ch->events.empty()) {
    uint64_t one = 1;
    (void)!::write(ch->ibv.fd, &one, sizeof one);
  }
  return 0;
}

}  // namespace

std::shared_ptr<VerbsApi> createSoftVerbsApi(const SoftDeviceConfig& config) {
  if (config.fabric_dir.empty())
    throw ConfigError("soft verbs device: SoftDeviceConfig.fabric_dir is empty (expected a directory path)");
  if (int e = ensureFabricDir(config.fabric_dir))
    throw ConfigError("soft verbs device: cannot create fabric directory '" + config.fabric_dir +
                      "': " + std::strerror(e));
  return std::make_shared<SoftVerbsApi>(config);
}

void setSoftFault(VerbsApi& soft_api, SoftFault fault) {
  auto* s = dynamic_cast<SoftVerbsApi*>(&soft_api);
  if (s == nullptr) throw ConfigError("setSoftFault: the VerbsApi '" + soft_api.name() + "' is not a software device");
  s->setFault(fault);
}

int softReceivedTrafficClass(VerbsApi& soft_api, ibv_qp* qp) {
  auto* q = fromIbv<SoftQp>(qp, kMagicQp);
  if (dynamic_cast<SoftVerbsApi*>(&soft_api) == nullptr || q == nullptr) return -1;
  return q->dev->receivedTrafficClass(q);
}

}  // namespace fabcheck::transport::verbs
