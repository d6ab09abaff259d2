// CompletionQueue (verbs_completion_queue.h).
#include "generators/transport/verbs/verbs_completion_queue.h"

#include <poll.h>

#include <array>
#include <cerrno>

#include "generators/core/clock.h"
#include "generators/core/errors.h"

namespace fabcheck::transport::verbs {

CompletionQueue::CompletionQueue(std::shared_ptr<VerbsDevice> dev, int entries, bool want_timestamps)
    : dev_(std::move(dev)) {
  VerbsApi& api = dev_->api();
  channel_ = api.createCompChannel(dev_->context());
  if (channel_ == nullptr) {
    throw TransportError("verbs: " + dev_->describe() + ": ibv_create_comp_channel failed: " + errnoWords(errno));
  }
  const bool ts = want_timestamps && dev_->hasCompletionTimestamps();
  cq_ = api.createCq(dev_->context(), entries, channel_, ts);
  if (cq_ != nullptr && ts) source_ = TimestampSource::kHardware;
  if (cq_ == nullptr && ts) cq_ = api.createCq(dev_->context(), entries, channel_, false);  // no stamping CQ
  if (cq_ == nullptr) {
    const int e = errno;
    api.destroyCompChannel(channel_);
    throw TransportError("verbs: " + dev_->describe() + ": ibv_create_cq of " + std::to_string(entries) +
                         " entries failed: " + errnoWords(e) + "; check tx_depth/rx_depth/qps against max_cqe");
  }
}

CompletionQueue::~CompletionQueue() {
  consumeEvents();
  dev_->api().destroyCq(cq_);
  dev_->api().destroyCompChannel(channel_);
}

void CompletionQueue::arm() noexcept {
  if (armed_) return;
  if (dev_->api().reqNotifyCq(cq_, 0) == 0) armed_ = true;
}

void CompletionQueue::consumeEvents() noexcept {
  ibv_cq* ev = nullptr;
  while (dev_->api().getCqEvent(channel_, &ev) == 0) {
    dev_->api().ackCqEvents(ev, 1);
    armed_ = false;
  }
}

int CompletionQueue::poll(ibv_wc* wc, int64_t* wall_ns, int n) noexcept {
  std::array<uint64_t, 64> raw{};
  n = std::min(n, static_cast<int>(raw.size()));
  int got = dev_->api().pollCq(cq_, n, wc, raw.data());
  if (got == 0) {  // empty: arm, then look once more for one that raced the arming
    consumeEvents();
    arm();
    got = dev_->api().pollCq(cq_, n, wc, raw.data());
  }
  if (got <= 0) return got < 0 ? -1 : 0;
  const int64_t now = wallNowNs();
  for (int i = 0; i < got; ++i) {
    wall_ns[i] = source_ == TimestampSource::kHardware ? dev_->toWallNs(raw[static_cast<size_t>(i)]) : now;
  }
  return got;
}

bool CompletionQueue::wait(int64_t timeout_ns) noexcept {
  arm();
  pollfd p{.fd = channel_->fd, .events = POLLIN, .revents = 0};
  timespec ts{.tv_sec = timeout_ns / 1'000'000'000, .tv_nsec = timeout_ns % 1'000'000'000};
  const int r = ::ppoll(&p, 1, &ts, nullptr);
  if (r <= 0) return false;
  consumeEvents();
  return true;
}

}  // namespace fabcheck::transport::verbs
