// A page-aligned block of message slots, registered with a connection for its lifetime.
//
// Contract: `slots` messages of `slot_bytes` each, contiguous (slot i at data() + i*slot_bytes),
// so a run of consecutive slots is one segmented (GSO) send. Registration is undone in the
// destructor; the connection must outlive the buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "generators/transport/transport.h"

namespace fabcheck::engine {

class MessageBuffer {
 public:
  MessageBuffer(transport::Connection& conn, uint32_t slot_bytes, uint32_t slots);
  ~MessageBuffer();
  MessageBuffer(const MessageBuffer&) = delete;
  MessageBuffer& operator=(const MessageBuffer&) = delete;

  std::byte* data() noexcept { return data_.get(); }
  std::byte* slot(uint32_t i) noexcept { return data_.get() + static_cast<size_t>(i) * slot_bytes_; }
  uint32_t slotBytes() const noexcept { return slot_bytes_; }
  uint32_t slots() const noexcept { return slots_; }
  const transport::MemoryRegion& region() const noexcept { return region_; }

 private:
  struct Free { void operator()(std::byte* p) const noexcept; };
  transport::Connection& conn_;
  uint32_t slot_bytes_;
  uint32_t slots_;
  std::unique_ptr<std::byte, Free> data_;
  transport::MemoryRegion region_;
};

}  // namespace fabcheck::engine
