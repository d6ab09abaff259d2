// Clocks used by the data plane.
//
// Wire timestamps are CLOCK_REALTIME nanoseconds so that (a) kernel software receive
// timestamps (SO_TIMESTAMPING, which are CLOCK_REALTIME) compare directly with them and
// (b) a controller that knows the clock offset between two hosts can derive one-way delay.
// Durations, pacing and deadlines use CLOCK_MONOTONIC, which never jumps.
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>

namespace fabcheck {

// Nanoseconds on CLOCK_MONOTONIC. For durations, deadlines and pacing.
inline int64_t monoNowNs() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

namespace clock_detail {
// Test-only (stepRealtimeForTesting): from this CLOCK_MONOTONIC instant on (0: never, as in
// production), wallNowNs() reads CLOCK_REALTIME + realtime_step_ns.
inline std::atomic<int64_t> realtime_step_at_mono_ns{0};
inline std::atomic<int64_t> realtime_step_ns{0};
}  // namespace clock_detail

// Nanoseconds since the Unix epoch (CLOCK_REALTIME). For wire timestamps. Every reading of the
// realtime clock by fabcheck's own code goes through here (kernel receive timestamps do not).
inline int64_t wallNowNs() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t ns = static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  const int64_t at = clock_detail::realtime_step_at_mono_ns.load(std::memory_order_relaxed);
  if (at != 0 && monoNowNs() >= at) [[unlikely]] {
    ns += clock_detail::realtime_step_ns.load(std::memory_order_relaxed);
  }
  return ns;
}

// Test-only: this process's wallNowNs() readings jump by `step_ns` at the CLOCK_MONOTONIC
// instant `at_mono_ns` (> 0), as CLOCK_REALTIME does when NTP or PTP steps a host's clock. The
// agent sets it from FABCHECK_TEST_REALTIME_STEP (agent_options.h); nothing else calls it.
inline void stepRealtimeForTesting(int64_t at_mono_ns, int64_t step_ns) noexcept {
  clock_detail::realtime_step_ns.store(step_ns, std::memory_order_relaxed);
  clock_detail::realtime_step_at_mono_ns.store(at_mono_ns, std::memory_order_release);
}

// CLOCK_REALTIME (as wallNowNs() reads it) minus CLOCK_MONOTONIC, from the tightest of up to 8
// monotonic-realtime-monotonic reads (stopping at one within 20 us), and that read's gap: the
// difference is known within gap_ns / 2. It changes only when the realtime clock is stepped
// (NTP's frequency corrections and slewing move both clocks alike).
struct ClockPair {
  int64_t realtime_minus_mono_ns = 0;
  int64_t gap_ns = 0;
};

inline ClockPair readClockPair() noexcept {
  constexpr int kReads = 8;
  constexpr int64_t kGoodGapNs = 20'000;  // a pair read this tight is good enough: stop trying
  ClockPair best{0, INT64_MAX};
  for (int i = 0; i < kReads && best.gap_ns > kGoodGapNs; ++i) {
    const int64_t m0 = monoNowNs();
    const int64_t r = wallNowNs();
    const int64_t m1 = monoNowNs();
    if (m1 - m0 < best.gap_ns) best = {r - (m0 + (m1 - m0) / 2), m1 - m0};
  }
  return best;
}

inline int64_t realtimeMinusMonotonicNs() noexcept { return readClockPair().realtime_minus_mono_ns; }

constexpr int64_t kNsPerUs = 1'000;
constexpr int64_t kNsPerMs = 1'000'000;
constexpr int64_t kNsPerSec = 1'000'000'000;

}  // namespace fabcheck
