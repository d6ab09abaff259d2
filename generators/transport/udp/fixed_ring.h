// A fixed-capacity FIFO for the data path: storage is allocated once at construction, push/pop
// never allocate. Capacity is rounded up to a power of two. Not thread-safe.
#pragma once

#include <bit>
#include <cstddef>
#include <span>
#include <vector>

namespace fabcheck::transport::udp {

template <typename T>
class FixedRing {
 public:
  explicit FixedRing(size_t capacity) : items_(std::bit_ceil(capacity < 1 ? size_t{1} : capacity)) {}

  size_t size() const noexcept { return tail_ - head_; }
  size_t capacity() const noexcept { return items_.size(); }
  size_t free() const noexcept { return capacity() - size(); }
  bool empty() const noexcept { return tail_ == head_; }

  // False when full.
  bool push(const T& v) noexcept {
    if (free() == 0) return false;
    items_[tail_++ & mask()] = v;
    return true;
  }
  // i-th item from the front (i < size()).
  T& at(size_t i) noexcept { return items_[(head_ + i) & mask()]; }
  T& front() noexcept { return at(0); }
  void pop() noexcept { ++head_; }

  // Moves up to out.size() items into `out`; returns how many.
  size_t drainTo(std::span<T> out) noexcept {
    size_t n = size() < out.size() ? size() : out.size();
    for (size_t i = 0; i < n; ++i) out[i] = items_[(head_ + i) & mask()];
    head_ += n;
    return n;
  }

 private:
  size_t mask() const noexcept { return items_.size() - 1; }
  std::vector<T> items_;
  size_t head_ = 0;
  size_t tail_ = 0;
};

}  // namespace fabcheck::transport::udp
