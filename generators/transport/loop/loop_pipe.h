// One direction of an in-process loop connection: the writer copies messages into the reader's
// posted receive buffers, or queues them (bounded) until the reader posts one.
//
// Contract: thread-safe between its one writer and one reader. Messages are delivered in the
// order the writer hands them in. A message larger than the buffer it lands in completes with
// kTruncated (bytes = capacity). Completions carry kUserSpace arrival timestamps (taken when
// the writer handed the message in) and the writer's TOS byte. As on an RDMA NIC, a receive
// posted into memory that is then deregistered (revoke) stays posted, and the message that lands
// on it completes with kError (EFAULT) without touching the memory.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <vector>

#include "generators/transport/transport.h"

namespace fabcheck::transport::loop {

constexpr size_t kMaxPostedRecvs = 4096;  // posted + completed-but-not-polled receives

class LoopPipe {
 public:
  explicit LoopPipe(size_t queue_depth) : queue_depth_(queue_depth) {}

  // Writer: how many messages could be handed in now without being refused.
  size_t room();
  // Writer: hands one message in. False when there is no room (the message is not taken).
  bool deliver(const std::byte* data, size_t len, uint8_t tos);
  bool readerClosed();
  void closeWriter();

  // Reader: posts buffers; returns how many were taken (bounded by kMaxPostedRecvs).
  size_t post(std::span<const RecvOp> ops);
  // Reader: moves ready completions into `out`, waiting up to timeout_ns for the first one when
  // a receive is posted. Returns how many.
  size_t take(std::span<Completion> out, int64_t timeout_ns);
  void closeReader();
  // Reader: the memory [data, data + size) is no longer registered (see the contract above).
  void revoke(const std::byte* data, size_t size);

 private:
  struct Message {
    std::vector<std::byte> data;
    uint8_t tos = 0;
    int64_t arrival_ns = 0;
  };
  // Copies `m` into the front posted buffer (lock held).
  void land(const std::byte* data, size_t len, uint8_t tos, int64_t arrival_ns);

  std::mutex mu_;
  std::condition_variable cv_;
  size_t queue_depth_;
  struct Posted {
    RecvOp op;
    bool revoked = false;
  };
  std::deque<Posted> posted_;
  std::deque<Completion> ready_;
  std::deque<Message> queued_;
  bool reader_closed_ = false;
  bool writer_closed_ = false;
};

}  // namespace fabcheck::transport::loop
