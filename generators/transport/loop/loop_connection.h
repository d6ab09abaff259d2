// A connection of the in-process "loop" transport: two LoopPipes, one per direction.
//
// Contract (beyond transport.h): sends are copied into the peer's posted buffers (or queued up
// to LoopOptions::queue_depth messages, then back-pressure) and complete at once; a segmented op
// is delivered as one message per segment. Fault injection (loop_options.h) applies to what this
// end sends. Sends after the peer closed complete with kError/ECONNREFUSED. Non-kSend opcodes
// complete with kUnsupported. poll() returns 0 at once when nothing could complete.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "generators/transport/loop/loop_options.h"
#include "generators/transport/loop/loop_pipe.h"
#include "generators/transport/transport.h"

namespace fabcheck::transport::loop {

constexpr uint32_t kLoopMaxMessage = 1u << 20;  // largest single message
constexpr uint32_t kLoopMaxPost = 16u << 20;    // largest SendOp.length

// What fault injection did to this end's sends.
struct LoopFaultCounts {
  uint64_t messages = 0;    // messages handed to fault injection
  uint64_t dropped = 0;
  uint64_t reordered = 0;   // messages held and delivered after their successor
  uint64_t duplicated = 0;
};

class LoopConnection final : public Connection {
 public:
  LoopConnection(std::shared_ptr<LoopPipe> in, std::shared_ptr<LoopPipe> out, const LoopOptions& options,
                 uint8_t tos, std::string description);
  ~LoopConnection() override;

  MemoryRegion registerMemory(std::byte* data, size_t size) override;
  void deregisterMemory(MemoryRegion& region) noexcept override;
  size_t postSend(std::span<const SendOp> ops) noexcept override;
  size_t postRecv(std::span<const RecvOp> ops) noexcept override;
  size_t poll(std::span<Completion> out, int64_t timeout_ns) noexcept override;
  ConnectionStats stats() const noexcept override { return stats_; }
  std::string describe() const override { return description_; }

  LoopFaultCounts faultCounts() const noexcept { return faults_; }

 private:
  void emit(const std::byte* data, size_t len);
  void completeSend(const SendOp& op, OpStatus status, int error);

  std::shared_ptr<LoopPipe> in_;
  std::shared_ptr<LoopPipe> out_;
  LoopOptions options_;
  uint8_t tos_;
  std::string description_;
  ConnectionStats stats_;
  LoopFaultCounts faults_;
  std::deque<Completion> send_done_;
  size_t posted_ = 0;                // receives posted and not yet returned by poll()
  std::vector<std::byte> held_;      // reorder: the message waiting for its successor
  bool holding_ = false;
};

}  // namespace fabcheck::transport::loop
