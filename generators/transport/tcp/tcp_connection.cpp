// TcpConnection: construction, memory registration, the send path and poll (tcp_connection.h).
#include "generators/transport/tcp/tcp_connection.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace fabcheck::transport::tcp {

namespace {

void putBigEndian(unsigned char* p, uint32_t v) noexcept {
  p[0] = static_cast<unsigned char>(v >> 24);
  p[1] = static_cast<unsigned char>(v >> 16);
  p[2] = static_cast<unsigned char>(v >> 8);
  p[3] = static_cast<unsigned char>(v);
}

// Why an op can never be written (an errno, or EOPNOTSUPP for another opcode); 0 when it can.
int unsendable(const SendOp& op) noexcept {
  if (op.opcode != Opcode::kSend) return EOPNOTSUPP;
  if (op.length == 0 || op.data == nullptr) return EINVAL;
  const uint32_t message = op.segment_size == 0 ? op.length : std::min(op.segment_size, op.length);
  if (op.length > kTcpMaxPostBytes || message > kTcpMaxMessage) return EMSGSIZE;
  return 0;
}

bool retryable(int err) noexcept { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR || err == ENOBUFS; }

}  // namespace

TcpConnection::TcpConnection(inet::Fd fd)
    : fd_(std::move(fd)),
      completions_(4 * kMaxOpsPerWrite + 2 * kTcpMaxPostedRecvs),
      posted_(kTcpMaxPostedRecvs),
      iov_(2 * kMaxOpsPerWrite),
      headers_(kMaxOpsPerWrite),
      staging_(kStagingBytes) {
  description_ = "tcp " + inet::localAddress(fd_.get()).toString() + " -> " + inet::peerAddress(fd_.get()).toString();
}

MemoryRegion TcpConnection::registerMemory(std::byte* data, size_t size) { return unregisteredRegion(data, size); }

void TcpConnection::deregisterMemory(MemoryRegion& region) noexcept { region = MemoryRegion{}; }

void TcpConnection::completeSend(const SendOp& op, OpStatus status, int error, uint32_t bytes) noexcept {
  Completion c;
  c.id = op.id;
  c.is_send = true;
  c.status = status;
  c.error = error;
  c.bytes = bytes;
  if (status != OpStatus::kOk) ++stats_.send_errors;
  completions_.push(c);
}

bool TcpConnection::rejectSend(const SendOp& op) noexcept {
  const int why = error_ != 0 ? error_ : unsendable(op);
  if (why == 0) return false;
  completeSend(op, why == EOPNOTSUPP && error_ == 0 ? OpStatus::kUnsupported : OpStatus::kError, why, 0);
  return true;
}

size_t TcpConnection::writeOps(std::span<const SendOp> ops) noexcept {
  for (size_t i = 0; i < ops.size(); ++i) {
    putBigEndian(headers_[i].data(), ops[i].length);
    putBigEndian(headers_[i].data() + 4, ops[i].segment_size >= ops[i].length ? 0 : ops[i].segment_size);
    iov_[2 * i] = {headers_[i].data(), kTcpFrameHeaderBytes};
    iov_[2 * i + 1] = {const_cast<std::byte*>(ops[i].data), ops[i].length};
  }
  msghdr msg{};
  msg.msg_iov = iov_.data();
  msg.msg_iovlen = 2 * ops.size();
  ++stats_.send_calls;
  const ssize_t k = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (k < 0) {
    if (retryable(errno)) return 0;
    fail(errno);
    for (const auto& op : ops) completeSend(op, OpStatus::kError, error_, 0);
    return ops.size();
  }
  uint64_t left = static_cast<uint64_t>(k);
  for (size_t i = 0; i < ops.size(); ++i) {
    const uint64_t whole = kTcpFrameHeaderBytes + uint64_t{ops[i].length};
    if (left >= whole) {
      completeSend(ops[i], OpStatus::kOk, 0, ops[i].length);
      left -= whole;
    } else if (left > 0) {
      writing_.op = ops[i];
      writing_.header = headers_[i];
      writing_.written = left;
      writing_.active = true;
      return i + 1;
    } else {
      return i;
    }
  }
  return ops.size();
}

bool TcpConnection::finishWriting() noexcept {
  if (!writing_.active) return true;
  iovec iov[2];
  size_t n = 0;
  const uint64_t w = writing_.written;
  if (w < kTcpFrameHeaderBytes) iov[n++] = {writing_.header.data() + w, kTcpFrameHeaderBytes - w};
  const uint64_t body_done = w > kTcpFrameHeaderBytes ? w - kTcpFrameHeaderBytes : 0;
  iov[n++] = {const_cast<std::byte*>(writing_.op.data) + body_done, writing_.op.length - body_done};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = n;
  ++stats_.send_calls;
  const ssize_t k = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (k < 0) {
    if (retryable(errno)) return false;
    writing_.active = false;
    fail(errno);
    completeSend(writing_.op, OpStatus::kError, error_, 0);
    return true;
  }
  writing_.written += static_cast<uint64_t>(k);
  if (writing_.written < kTcpFrameHeaderBytes + uint64_t{writing_.op.length}) return false;
  writing_.active = false;
  completeSend(writing_.op, OpStatus::kOk, 0, writing_.op.length);
  return true;
}

size_t TcpConnection::postSend(std::span<const SendOp> ops) noexcept {
  size_t i = 0;
  if (finishWriting()) {
    while (i < ops.size() && completions_.free() > 0) {
      if (rejectSend(ops[i])) {
        ++i;
        continue;
      }
      size_t n = 0;
      while (i + n < ops.size() && n < kMaxOpsPerWrite && n < completions_.free() && unsendable(ops[i + n]) == 0) ++n;
      const size_t accepted = writeOps(ops.subspan(i, n));
      i += accepted;
      if (accepted < n || writing_.active) break;
    }
  }
  if (i < ops.size()) ++stats_.send_backpressure;
  return i;
}

size_t TcpConnection::postRecv(std::span<const RecvOp> ops) noexcept {
  size_t i = 0;
  for (; i < ops.size(); ++i) {
    if (error_ != 0) {
      Completion c;
      c.id = ops[i].id;
      c.status = OpStatus::kError;
      c.error = error_;
      if (!completions_.push(c)) break;
    } else if (!posted_.push(ops[i])) {
      break;
    }
  }
  return i;
}

void TcpConnection::fail(int error) noexcept {
  if (error_ != 0) return;
  error_ = error;
  auto failRecv = [&](const RecvOp& op) {
    Completion c;
    c.id = op.id;
    c.status = OpStatus::kError;
    c.error = error;
    completions_.push(c);
  };
  if (filling_.active) failRecv(filling_.op);
  filling_.active = false;
  while (!posted_.empty()) {
    failRecv(posted_.front());
    posted_.pop();
  }
}

size_t TcpConnection::poll(std::span<Completion> out, int64_t timeout_ns) noexcept {
  size_t n = completions_.drainTo(out);
  if (n == out.size()) return n;
  finishWriting();
  if (!drained_ || timeout_ns <= 0 || stage_end_ > stage_begin_) receiveInto();
  n += completions_.drainTo(out.subspan(n));
  if (n > 0 || timeout_ns <= 0) return n;
  const bool can_receive = error_ == 0 && (filling_.active || !posted_.empty());
  if (!can_receive && !writing_.active) return 0;
  timespec ts{static_cast<time_t>(timeout_ns / 1'000'000'000), static_cast<long>(timeout_ns % 1'000'000'000)};
  pollfd p{.fd = fd_.get(), .events = static_cast<short>((can_receive && !eof_ ? POLLIN : 0) | (writing_.active ? POLLOUT : 0)),
           .revents = 0};
  if (p.events == 0) {
    ::ppoll(nullptr, 0, &ts, nullptr);  // the peer closed: nothing will arrive; wait as for a quiet socket
    return 0;
  }
  if (::ppoll(&p, 1, &ts, nullptr) <= 0) return 0;
  drained_ = false;
  finishWriting();
  receiveInto();
  return completions_.drainTo(out);
}

}  // namespace fabcheck::transport::tcp
