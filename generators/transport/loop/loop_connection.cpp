// A loop connection (loop_connection.h).
#include "generators/transport/loop/loop_connection.h"

#include <cerrno>

namespace fabcheck::transport::loop {

LoopConnection::LoopConnection(std::shared_ptr<LoopPipe> in, std::shared_ptr<LoopPipe> out,
                               const LoopOptions& options, uint8_t tos, std::string description)
    : in_(std::move(in)), out_(std::move(out)), options_(options), tos_(tos), description_(std::move(description)) {}

LoopConnection::~LoopConnection() {
  try {
    if (holding_) out_->deliver(held_.data(), held_.size(), tos_);  // nothing follows it any more
  } catch (...) {
  }
  out_->closeWriter();
  in_->closeReader();
}

MemoryRegion LoopConnection::registerMemory(std::byte* data, size_t size) { return unregisteredRegion(data, size); }

void LoopConnection::deregisterMemory(MemoryRegion& region) noexcept {
  if (region.data != nullptr) in_->revoke(region.data, region.size);
  region = MemoryRegion{};
}

void LoopConnection::completeSend(const SendOp& op, OpStatus status, int error) {
  Completion c;
  c.id = op.id;
  c.is_send = true;
  c.status = status;
  c.error = error;
  c.bytes = status == OpStatus::kOk ? op.length : 0;
  c.segment_size = op.segment_size == 0 ? c.bytes : op.segment_size;
  if (status == OpStatus::kError) ++stats_.send_errors;
  send_done_.push_back(c);
}

// One message through fault injection, then into the pipe (room was checked by postSend).
void LoopConnection::emit(const std::byte* data, size_t len) {
  const uint64_t n = ++faults_.messages;
  if (options_.drop_every != 0 && n % options_.drop_every == 0) {
    ++faults_.dropped;
    return;
  }
  const bool duplicate = options_.duplicate_every != 0 && n % options_.duplicate_every == 0;
  if (!holding_ && options_.reorder_every != 0 && n % options_.reorder_every == 0) {
    held_.assign(data, data + len);
    holding_ = true;
    ++faults_.reordered;
    if (duplicate) {
      out_->deliver(data, len, tos_);  // the copy goes first, the original after its successor
      ++faults_.duplicated;
    }
    return;
  }
  out_->deliver(data, len, tos_);
  if (duplicate) {
    out_->deliver(data, len, tos_);
    ++faults_.duplicated;
  }
  if (holding_) {
    out_->deliver(held_.data(), held_.size(), tos_);
    holding_ = false;
  }
}

size_t LoopConnection::postSend(std::span<const SendOp> ops) noexcept {
  size_t accepted = 0;
  try {
    for (const SendOp& op : ops) {
      if (op.opcode != Opcode::kSend) {
        completeSend(op, OpStatus::kUnsupported, 0);
        ++accepted;
        continue;
      }
      const bool single = op.segment_size == 0 || op.segment_size >= op.length;
      const size_t messages = single ? 1 : (op.length + op.segment_size - 1) / op.segment_size;
      const size_t need = options_.anyFault() ? 2 * messages + 1 : messages;
      if (op.length > kLoopMaxPost || (single && op.length > kLoopMaxMessage) ||
          need > options_.queue_depth + kMaxPostedRecvs || (op.data == nullptr && op.length > 0)) {
        completeSend(op, OpStatus::kError, op.data == nullptr && op.length > 0 ? EFAULT : EMSGSIZE);
        ++accepted;
        continue;
      }
      if (out_->readerClosed()) {
        completeSend(op, OpStatus::kError, ECONNREFUSED);
        ++accepted;
        continue;
      }
      if (out_->room() < need) break;
      ++stats_.send_calls;
      if (single) {
        emit(op.data, op.length);
      } else {
        for (uint32_t off = 0; off < op.length; off += op.segment_size) {
          const uint32_t len = op.length - off < op.segment_size ? op.length - off : op.segment_size;
          emit(op.data + off, len);
        }
      }
      completeSend(op, OpStatus::kOk, 0);
      ++accepted;
    }
  } catch (...) {  // std::bad_alloc while queueing: treat as back-pressure
  }
  if (accepted < ops.size()) ++stats_.send_backpressure;
  return accepted;
}

size_t LoopConnection::postRecv(std::span<const RecvOp> ops) noexcept {
  try {
    size_t n = in_->post(ops);
    posted_ += n;
    return n;
  } catch (...) {
    return 0;
  }
}

size_t LoopConnection::poll(std::span<Completion> out, int64_t timeout_ns) noexcept {
  size_t n = 0;
  while (n < out.size() && !send_done_.empty()) {
    out[n++] = send_done_.front();
    send_done_.pop_front();
  }
  if (n == out.size() || posted_ == 0) return n;
  try {
    ++stats_.recv_calls;
    size_t got = in_->take(out.subspan(n), n > 0 ? 0 : timeout_ns);
    for (size_t i = n; i < n + got; ++i) {
      if (out[i].status == OpStatus::kTruncated) ++stats_.recv_truncated;
    }
    posted_ -= got;
    n += got;
  } catch (...) {
  }
  return n;
}

}  // namespace fabcheck::transport::loop
