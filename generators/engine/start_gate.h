// A synchronised start for one sending thread.
//
// waitFor(start, flow_id) returns at CLOCK_MONOTONIC `start` (at once when it has passed). It
// sleeps until kStartSpinNs before and spins the rest: waking from a sleep costs tens to
// hundreds of us (more under a hypervisor) and varies by thread, which would show as start skew
// between senders. It also lowers the thread's timer slack to 1 ns for good, and, when the
// thread may run on several CPUs, pins it to one of them (picked by flow id, so the spinners of
// one start do not take turns on a CPU a scheduler slice apart) until release().
//
// release() restores the thread's CPU set; call it once the first send is out (cheap when not
// pinned). Never throws; a failed affinity call leaves the thread unpinned.
#pragma once

#include <sched.h>

#include <cstdint>

namespace fabcheck::engine {

class StartGate {
 public:
  static constexpr int64_t kStartSpinNs = 1'000'000;

  void waitFor(int64_t start, uint32_t flow_id) noexcept;

  void release() noexcept {
    if (pinned_) unpin();
  }

 private:
  void pinForSpin(uint32_t flow_id) noexcept;
  void unpin() noexcept;

  cpu_set_t saved_cpus_;
  bool pinned_ = false;
};

}  // namespace fabcheck::engine
