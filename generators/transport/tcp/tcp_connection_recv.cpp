// TcpConnection's receive path: frames back into messages (tcp_connection.h).
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "generators/core/clock.h"
#include "generators/transport/tcp/tcp_connection.h"

namespace fabcheck::transport::tcp {

namespace {

// A body part at least this large is read straight into the posted buffer; smaller parts go
// through the staging buffer (one read for many small frames).
constexpr uint32_t kDirectReadBytes = 16 * 1024;
// After a frame of at most this size, the next read fills staging (more small frames are likely
// waiting); after a larger one it reads only the next header, so the body goes straight through.
constexpr uint32_t kSmallFrameBytes = 16 * 1024;

uint32_t getBigEndian(const std::byte* p) noexcept {
  const auto b = [p](int i) { return static_cast<uint32_t>(std::to_integer<unsigned char>(p[i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

}  // namespace

ssize_t TcpConnection::readStaging(size_t want) noexcept {
  const size_t held = stage_end_ - stage_begin_;
  if (held == 0) {
    stage_begin_ = stage_end_ = 0;
  } else if (stage_begin_ > 0 && kStagingBytes - stage_end_ < want) {
    std::memmove(staging_.data(), staging_.data() + stage_begin_, held);
    stage_begin_ = 0;
    stage_end_ = held;
  }
  const size_t room = std::min(want, kStagingBytes - stage_end_);
  const ssize_t r = ::recv(fd_.get(), staging_.data() + stage_end_, room, MSG_DONTWAIT);
  if (r > 0) {
    ++stats_.recv_calls;
    stage_end_ += static_cast<size_t>(r);
    drained_ = static_cast<size_t>(r) < room;
    return r;
  }
  if (r == 0) {  // the peer closed: quiet between frames, broken inside one
    if (frame_.open || held > 0) fail(EPIPE);
    else eof_ = true;
    return 0;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    drained_ = true;
    return 0;
  }
  fail(errno);
  return -1;
}

bool TcpConnection::readHeader() noexcept {
  while (stage_end_ - stage_begin_ < kTcpFrameHeaderBytes) {
    if (eof_) return false;
    const size_t missing = kTcpFrameHeaderBytes - (stage_end_ - stage_begin_);
    if (readStaging(last_frame_ <= kSmallFrameBytes ? kStagingBytes : missing) <= 0) return false;
  }
  const std::byte* h = staging_.data() + stage_begin_;
  const uint32_t length = getBigEndian(h);
  const uint32_t segment = getBigEndian(h + 4);
  stage_begin_ += kTcpFrameHeaderBytes;
  if (length == 0 || length > kTcpMaxPostBytes || segment > kTcpMaxMessage || (segment == 0 && length > kTcpMaxMessage)) {
    fail(EPROTO);
    return false;
  }
  frame_ = Frame{.open = true, .remaining = length, .segment = segment == 0 ? length : segment};
  last_frame_ = length;
  return true;
}

bool TcpConnection::startFilling() noexcept {
  if (posted_.empty()) return false;
  filling_.op = posted_.front();
  posted_.pop();
  filling_.active = true;
  filling_.filled = 0;
  const uint32_t message = std::min(frame_.segment, frame_.remaining);
  filling_.truncated = filling_.op.capacity < message;
  if (filling_.truncated) {
    filling_.limit = filling_.op.capacity;
    discard_ = message - filling_.op.capacity;
  } else {
    const uint64_t whole = uint64_t{filling_.op.capacity / frame_.segment} * frame_.segment;
    filling_.limit = static_cast<uint32_t>(std::min<uint64_t>(frame_.remaining, std::max<uint64_t>(whole, message)));
  }
  return true;
}

bool TcpConnection::fill() noexcept {
  while (filling_.filled < filling_.limit) {
    const uint32_t need = filling_.limit - filling_.filled;
    const size_t held = stage_end_ - stage_begin_;
    if (held > 0) {
      const uint32_t n = static_cast<uint32_t>(std::min<size_t>(held, need));
      std::memcpy(filling_.op.data + filling_.filled, staging_.data() + stage_begin_, n);
      stage_begin_ += n;
      filling_.filled += n;
      continue;
    }
    if (need < kDirectReadBytes) {
      if (readStaging(kStagingBytes) <= 0) return false;
      continue;
    }
    const ssize_t r = ::recv(fd_.get(), filling_.op.data + filling_.filled, need, MSG_DONTWAIT);
    if (r > 0) {
      ++stats_.recv_calls;
      filling_.filled += static_cast<uint32_t>(r);
      drained_ = static_cast<uint32_t>(r) < need;
      if (drained_) return false;
    } else if (r == 0) {
      fail(EPIPE);
      return false;
    } else {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) drained_ = true;
      else fail(errno);
      return false;
    }
  }
  return true;
}

bool TcpConnection::discard() noexcept {
  while (discard_ > 0) {
    const size_t held = stage_end_ - stage_begin_;
    if (held == 0) {
      if (readStaging(std::min<size_t>(discard_, kStagingBytes)) <= 0) return false;
      continue;
    }
    const uint32_t n = static_cast<uint32_t>(std::min<size_t>(held, discard_));
    stage_begin_ += n;
    discard_ -= n;
    frame_.remaining -= n;
  }
  if (frame_.remaining == 0) frame_.open = false;
  return true;
}

void TcpConnection::finishFilling(Completion& c) noexcept {
  c = Completion{};
  c.id = filling_.op.id;
  c.is_send = false;
  c.status = filling_.truncated ? OpStatus::kTruncated : OpStatus::kOk;
  c.bytes = filling_.limit;
  c.segment_size = filling_.limit > frame_.segment ? frame_.segment : filling_.limit;
  c.ts_source = TimestampSource::kUserSpace;
  c.rx_timestamp_ns = wallNowNs();
  if (filling_.truncated) ++stats_.recv_truncated;
  frame_.remaining -= filling_.limit;
  if (frame_.remaining == 0 && discard_ == 0) frame_.open = false;
  filling_.active = false;
}

void TcpConnection::receiveInto() noexcept {
  while (error_ == 0 && completions_.free() > 0) {
    if (discard_ > 0) {
      if (!discard()) return;
      continue;
    }
    if (!frame_.open) {
      if (!readHeader()) return;
      continue;
    }
    if (!filling_.active && !startFilling()) return;
    if (!fill()) return;
    Completion c;
    finishFilling(c);
    completions_.push(c);
  }
}

}  // namespace fabcheck::transport::tcp
