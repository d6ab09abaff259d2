// VerbsDevice (verbs_device.h).
#include "generators/transport/verbs/verbs_device.h"

#include <cerrno>
#include <cstring>

#include "generators/core/clock.h"
#include "generators/core/errors.h"

namespace fabcheck::transport::verbs {

std::string errnoWords(int err) { return std::strerror(err); }

std::shared_ptr<VerbsDevice> VerbsDevice::open(std::shared_ptr<VerbsApi> api, const VerbsAddress& address) {
  return std::shared_ptr<VerbsDevice>(new VerbsDevice(std::move(api), address));
}

VerbsDevice::VerbsDevice(std::shared_ptr<VerbsApi> api, const VerbsAddress& address)
    : api_(std::move(api)), address_(address) {
  ctx_ = api_->openDevice(address_.device);
  if (ctx_ == nullptr) {
    throw TransportError("verbs: cannot open device " + address_.device + ": " + errnoWords(errno));
  }
  if (int e = api_->queryDevice(ctx_, &attr_); e != 0) {
    api_->closeDevice(ctx_);
    throw TransportError("verbs: ibv_query_device_ex on " + address_.device + " failed: " + errnoWords(e));
  }
  pd_ = api_->allocPd(ctx_);
  if (pd_ == nullptr) {
    const int e = errno;
    api_->closeDevice(ctx_);
    throw TransportError("verbs: ibv_alloc_pd on " + address_.device + " failed: " + errnoWords(e));
  }
  timestamps_ = attr_.completion_timestamp_mask != 0 && attr_.hca_core_clock != 0 &&
                api_->readClock(ctx_, &clock_) == 0 && clock_.khz != 0;
}

VerbsDevice::~VerbsDevice() {
  if (pd_ != nullptr) api_->deallocPd(pd_);
  if (ctx_ != nullptr) api_->closeDevice(ctx_);
}

int64_t VerbsDevice::toWallNs(uint64_t raw) {
  std::lock_guard lock(clock_mu_);
  if (wallNowNs() - clock_.realtime_ns > 1'000'000'000) {
    ClockSample s;
    if (api_->readClock(ctx_, &s) == 0 && s.khz != 0) clock_ = s;
  }
  // ticks -> ns: ticks * 1e6 / khz; signed so a completion stamped before the sample works.
  const auto delta = static_cast<int64_t>(raw - clock_.raw);
  const long double ns = static_cast<long double>(delta) * 1e6L / static_cast<long double>(clock_.khz);
  return clock_.realtime_ns + static_cast<int64_t>(ns);
}

std::string VerbsDevice::describe() const {
  std::string s = address_.device + " port " + std::to_string(address_.port);
  if ((address_.link_layer == "ib")) return s + " LID " + std::to_string(address_.lid);
  return s + " GID[" + std::to_string(address_.gid_index) + "] " + address_.gid_text + " (" + address_.gid_type + ")";
}

}  // namespace fabcheck::transport::verbs
