// One direction of a loop connection (loop_pipe.h).
#include "generators/transport/loop/loop_pipe.h"

#include <cerrno>
#include <chrono>
#include <cstring>

#include "generators/core/clock.h"

namespace fabcheck::transport::loop {

size_t LoopPipe::room() {
  std::lock_guard lk(mu_);
  return posted_.size() + (queue_depth_ - queued_.size());
}

void LoopPipe::land(const std::byte* data, size_t len, uint8_t tos, int64_t arrival_ns) {
  const Posted p = posted_.front();
  const RecvOp& r = p.op;
  posted_.pop_front();
  Completion c;
  c.id = r.id;
  if (p.revoked) {
    c.status = OpStatus::kError;
    c.error = EFAULT;
  } else {
    c.bytes = static_cast<uint32_t>(len <= r.capacity ? len : r.capacity);
    c.status = len <= r.capacity ? OpStatus::kOk : OpStatus::kTruncated;
    c.segment_size = c.bytes;
    if (c.bytes > 0) std::memcpy(r.data, data, c.bytes);
  }
  c.tos = tos;
  c.tos_valid = true;
  c.ts_source = TimestampSource::kUserSpace;
  c.rx_timestamp_ns = arrival_ns;
  ready_.push_back(c);
}

bool LoopPipe::deliver(const std::byte* data, size_t len, uint8_t tos) {
  const int64_t now = wallNowNs();
  {
    std::lock_guard lk(mu_);
    if (!posted_.empty()) {
      land(data, len, tos, now);
    } else if (queued_.size() < queue_depth_) {
      queued_.push_back(Message{std::vector<std::byte>(data, data + len), tos, now});
      return true;
    } else {
      return false;
    }
  }
  cv_.notify_one();
  return true;
}

bool LoopPipe::readerClosed() {
  std::lock_guard lk(mu_);
  return reader_closed_;
}

void LoopPipe::closeWriter() {
  {
    std::lock_guard lk(mu_);
    writer_closed_ = true;
  }
  cv_.notify_all();
}

size_t LoopPipe::post(std::span<const RecvOp> ops) {
  size_t n = 0;
  {
    std::lock_guard lk(mu_);
    for (const RecvOp& op : ops) {
      if (posted_.size() + ready_.size() >= kMaxPostedRecvs) break;
      posted_.push_back(Posted{op});
      ++n;
      if (!queued_.empty()) {
        Message& m = queued_.front();
        land(m.data.data(), m.data.size(), m.tos, m.arrival_ns);
        queued_.pop_front();
      }
    }
  }
  return n;
}

size_t LoopPipe::take(std::span<Completion> out, int64_t timeout_ns) {
  std::unique_lock lk(mu_);
  if (ready_.empty() && timeout_ns > 0 && !posted_.empty() && !writer_closed_) {
    cv_.wait_for(lk, std::chrono::nanoseconds(timeout_ns), [&] { return !ready_.empty() || writer_closed_; });
  }
  size_t n = 0;
  while (n < out.size() && !ready_.empty()) {
    out[n++] = ready_.front();
    ready_.pop_front();
  }
  return n;
}

void LoopPipe::revoke(const std::byte* data, size_t size) {
  std::lock_guard lk(mu_);
  const auto begin = reinterpret_cast<uintptr_t>(data);
  for (Posted& p : posted_) {
    const auto at = reinterpret_cast<uintptr_t>(p.op.data);
    if (at >= begin && at - begin < size) p.revoked = true;
  }
}

void LoopPipe::closeReader() {
  std::lock_guard lk(mu_);
  reader_closed_ = true;
  posted_.clear();
  queued_.clear();
}

}  // namespace fabcheck::transport::loop
