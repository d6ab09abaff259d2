#include "generators/pacing/wait.h"

#include <cerrno>
#include <ctime>

#include "generators/core/clock.h"

namespace fabcheck::pacing {
namespace {

inline void cpuRelax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

}  // namespace

int64_t waitUntil(int64_t deadline_mono_ns, int64_t spin_ns) noexcept {
  int64_t now = monoNowNs();
  if (now >= deadline_mono_ns) return now;
  if (spin_ns < 0) spin_ns = 0;
  // now >= 0 and deadline > now, so the subtraction cannot overflow.
  const int64_t sleep_until = deadline_mono_ns - spin_ns;
  if (sleep_until > now) {
    timespec ts;
    ts.tv_sec = static_cast<time_t>(sleep_until / kNsPerSec);
    ts.tv_nsec = static_cast<long>(sleep_until % kNsPerSec);
    int rc;
    do {
      rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    } while (rc == EINTR);
    // Any other error (EINVAL cannot happen for a valid ts) falls through to polling.
  }
  while ((now = monoNowNs()) < deadline_mono_ns) cpuRelax();
  return now;
}

}  // namespace fabcheck::pacing
