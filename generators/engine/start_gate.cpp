#include "generators/engine/start_gate.h"

#include <sys/prctl.h>

#include "generators/core/clock.h"
#include "generators/pacing/wait.h"

namespace fabcheck::engine {

void StartGate::waitFor(int64_t start, uint32_t flow_id) noexcept {
  if (start <= monoNowNs()) return;
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);  // wake at the deadline, not up to 50 us later
  pinForSpin(flow_id);
  pacing::waitUntil(start, kStartSpinNs);
}

// The nth allowed CPU, n = flow id modulo their count.
void StartGate::pinForSpin(uint32_t flow_id) noexcept {
  if (sched_getaffinity(0, sizeof saved_cpus_, &saved_cpus_) != 0 || CPU_COUNT(&saved_cpus_) <= 1) return;
  int nth = static_cast<int>(flow_id % static_cast<uint32_t>(CPU_COUNT(&saved_cpus_)));
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (!CPU_ISSET(c, &saved_cpus_) || nth-- > 0) continue;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(c, &one);
    pinned_ = sched_setaffinity(0, sizeof one, &one) == 0;
    break;
  }
}

void StartGate::unpin() noexcept {
  sched_setaffinity(0, sizeof saved_cpus_, &saved_cpus_);
  pinned_ = false;
}

}  // namespace fabcheck::engine
