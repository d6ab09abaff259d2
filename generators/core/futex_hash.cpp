#include "generators/core/futex_hash.h"

#include <sys/prctl.h>

namespace fabcheck {
namespace {

// <linux/prctl.h> has these only from 6.16 on; the values are the kernel's ABI.
constexpr int kPrFutexHash = 78;
constexpr unsigned long kSetSlots = 1;
constexpr unsigned long kGetSlots = 2;
constexpr int kMinSlots = 16;
constexpr int kMaxSlots = 65536;

int slotsFor(int expected_threads) {
  int slots = kMinSlots;
  while (slots < kMaxSlots && slots / 4 < expected_threads) slots *= 2;
  return slots;
}

}  // namespace

int sizeFutexHash(int expected_threads) noexcept {
  const int current = ::prctl(kPrFutexHash, kGetSlots, 0UL, 0UL, 0UL);
  if (current < 0) return -1;  // no private futex hash in this kernel
  const int wanted = slotsFor(expected_threads);
  if (current >= wanted) return current;
  if (::prctl(kPrFutexHash, kSetSlots, static_cast<unsigned long>(wanted), 0UL, 0UL) != 0) return -1;
  return ::prctl(kPrFutexHash, kGetSlots, 0UL, 0UL, 0UL);
}

}  // namespace fabcheck
