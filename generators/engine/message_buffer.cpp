#include "generators/engine/message_buffer.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace fabcheck::engine {

void MessageBuffer::Free::operator()(std::byte* p) const noexcept { std::free(p); }

MessageBuffer::MessageBuffer(transport::Connection& conn, uint32_t slot_bytes, uint32_t slots)
    : conn_(conn), slot_bytes_(slot_bytes), slots_(slots) {
  constexpr size_t kAlign = 4096;
  size_t bytes = static_cast<size_t>(slot_bytes) * slots;
  bytes = (bytes + kAlign - 1) / kAlign * kAlign;
  void* p = std::aligned_alloc(kAlign, bytes);
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, bytes);
  data_.reset(static_cast<std::byte*>(p));
  region_ = conn_.registerMemory(data_.get(), bytes);
}

MessageBuffer::~MessageBuffer() { conn_.deregisterMemory(region_); }

}  // namespace fabcheck::engine
