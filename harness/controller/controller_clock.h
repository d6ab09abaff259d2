// The controller's timescale: every agent's clock offset (AgentInfo::clock_offset_ns) is measured
// against it and every start instant is set on it.
//
// It is CLOCK_MONOTONIC plus the distance of this host's CLOCK_REALTIME from it at the last
// anchor() — the controller anchors it when it measures all agents' clocks — so it reads as the
// realtime clock did then and never steps. NTP or PTP stepping the controller's own clock during a
// run (or `date -s`, a leap second) moves neither the offsets it measured nor the start instants
// it sends: without this a step of S shifted every agent's start by S (a step back made every
// agent hear its start S late and error the test; a step forward held every agent S idle).
// Agents' own steps are theirs to report (harness/agent/clock_watch.h). An agent on the
// controller's kernel has offset 0 from it until that kernel's clock steps, which the agent sees
// and reports; the controller then measures it again over the network. Before the first
// anchor() it reads as the realtime clock.
#pragma once

#include <cstdint>

#include "generators/core/clock.h"

namespace fabcheck::controller {

class ControllerClock {
 public:
  void anchor() noexcept {
    realtime_minus_mono_ns_ = realtimeMinusMonotonicNs();
    anchored_ = true;
  }
  int64_t nowNs() const noexcept { return anchored_ ? monoNowNs() + realtime_minus_mono_ns_ : wallNowNs(); }

 private:
  int64_t realtime_minus_mono_ns_ = 0;
  bool anchored_ = false;
};

}  // namespace fabcheck::controller
