// One completion queue with its completion channel: polled without waiting, or waited on through
// the channel's fd (which is also the connection's readinessFd()).
//
// Contract: the fd turns readable when a completion arrives after arm(); poll() re-arms when it
// finds the queue empty, so a caller that waits on fd() and then polls never misses one.
// Timestamps are CLOCK_REALTIME ns: converted from the device's completion clock when it has
// one (source kHardware), else read when poll() returned (kUserSpace). A broken CQ (overrun)
// makes poll() return -1.
#pragma once

#include <cstdint>
#include <memory>

#include "generators/transport/transport.h"
#include "generators/transport/verbs/verbs_device.h"

namespace fabcheck::transport::verbs {

class CompletionQueue {
 public:
  // `want_timestamps`: ask for device timestamps when the device has them.
  CompletionQueue(std::shared_ptr<VerbsDevice> dev, int entries, bool want_timestamps);
  ~CompletionQueue();
  CompletionQueue(const CompletionQueue&) = delete;
  CompletionQueue& operator=(const CompletionQueue&) = delete;

  ibv_cq* cq() const noexcept { return cq_; }
  int fd() const noexcept { return channel_->fd; }
  TimestampSource timestampSource() const noexcept { return source_; }

  // Up to n completions; wall_ns[i] gets each one's time. -1 when the CQ is broken.
  int poll(ibv_wc* wc, int64_t* wall_ns, int n) noexcept;
  // Waits at most timeout_ns for a completion event; true when one came.
  bool wait(int64_t timeout_ns) noexcept;

 private:
  void arm() noexcept;
  void consumeEvents() noexcept;

  std::shared_ptr<VerbsDevice> dev_;
  ibv_comp_channel* channel_ = nullptr;
  ibv_cq* cq_ = nullptr;
  TimestampSource source_ = TimestampSource::kUserSpace;
  bool armed_ = false;
};

}  // namespace fabcheck::transport::verbs
