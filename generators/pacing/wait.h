// Hybrid wait for pacing: sleep most of the way, spin the rest.
//
// Contract: waitUntil() sleeps with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) until
// `deadline_mono_ns - spin_ns`, then busy-polls CLOCK_MONOTONIC until the deadline. It never
// returns before the deadline (a deadline in the past returns at once) and returns the
// CLOCK_MONOTONIC time at which it woke. The deadline is the wait's timeout: it cannot block
// longer than the deadline plus scheduling latency. Signals (EINTR) resume the sleep.
// spin_ns <= 0 means sleep all the way (no spinning, lower CPU, more wake-up jitter).
// Data-path: noexcept, allocation-free.
#pragma once

#include <cstdint>

namespace fabcheck::pacing {

constexpr int64_t kDefaultSpinNs = 50'000;

int64_t waitUntil(int64_t deadline_mono_ns, int64_t spin_ns = kDefaultSpinNs) noexcept;

}  // namespace fabcheck::pacing
