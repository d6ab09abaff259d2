// Clocks used by the data plane.
//
// Wire timestamps are CLOCK_REALTIME nanoseconds so that (a) kernel software receive
// timestamps (SO_TIMESTAMPING, which are CLOCK_REALTIME) compare directly with them and
// (b) a controller that knows the clock offset between two hosts can derive one-way delay.
// Durations, pacing and deadlines use CLOCK_MONOTONIC, which never jumps.
#pragma once

#include <cstdint>
#include <ctime>

namespace fabcheck {

// Nanoseconds since the Unix epoch (CLOCK_REALTIME). For wire timestamps.
inline int64_t wallNowNs() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Nanoseconds on CLOCK_MONOTONIC. For durations, deadlines and pacing.
inline int64_t monoNowNs() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

constexpr int64_t kNsPerUs = 1'000;
constexpr int64_t kNsPerMs = 1'000'000;
constexpr int64_t kNsPerSec = 1'000'000'000;

}  // namespace fabcheck
