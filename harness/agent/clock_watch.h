// Steps of this host's CLOCK_REALTIME, seen by the agent (issue 19, "a clock jump on one agent").
// Wire timestamps, start instants and one-way latency are CLOCK_REALTIME readings compared
// through the clock offset the controller measured when the agent registered; NTP or PTP
// stepping the clock (or a leap second, or `date -s`) after that makes them wrong by the step.
//
// CLOCK_REALTIME − CLOCK_MONOTONIC changes only when the realtime clock is stepped: NTP's
// frequency corrections and slewing move both clocks alike. So the agent reads that difference
// (realtimeMinusMonotonicNs, core/clock.h: the tightest of a few paired reads) when its clock was measured —
// at registration and at each clock probe it answers (rebase()) — and again through every test
// round (at its setup, its start, every pass of the loop that watches its flows and heartbeats,
// and before its results: sample()); roundStepNs() is the largest change from the base seen in
// the round, signed (+: the clock jumped forward), 0 without a step. It goes back in the
// round's "results" (clock_step_ns); the controller judges it against its bound
// (ControllerOptions::clock_step_bound_ns) and measures the agent's clock again after a step.
//
// Test-only: FABCHECK_TEST_REALTIME_STEP="ID:STEP_NS:AFTER_NS" in agent ID's environment makes
// that agent's wallNowNs() readings (its wire timestamps, start instant and this watch's readings
// alike: generators/core/clock.h) jump by STEP_NS, AFTER_NS after the start of its first test
// round, through the same detection. Process-wide: with several identities in one process they
// all step. A malformed value is logged in one line naming it and ignored.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "generators/core/clock.h"
#include "generators/core/log.h"

namespace fabcheck::agent {

inline constexpr const char* kTestRealtimeStepVariable = "FABCHECK_TEST_REALTIME_STEP";

class ClockWatch {
 public:
  explicit ClockWatch(int agent_id);  // the base is now; reads kTestRealtimeStepVariable

  void rebase();                          // the controller measures our clock now
  void beginRound();                      // a round's setup: its largest step starts from this reading
  void started(int64_t start_mono_ns);    // the round's flows start then (arms the test-only step)
  void sample();
  int64_t roundStepNs() const { return round_step_ns_; }

 private:
  int64_t base_ns_ = 0;
  int64_t round_step_ns_ = 0;
  int64_t test_step_ns_ = 0, test_step_after_ns_ = 0;  // test-only; 0: none
  bool test_step_armed_ = false;
};

// Implementation (inline: one small class).

namespace clock_watch_detail {

constexpr int64_t kUsableGapNs = 250'000; // a sample looser than this (preempted every try) is skipped

}  // namespace clock_watch_detail

inline ClockWatch::ClockWatch(int agent_id) : base_ns_(realtimeMinusMonotonicNs()) {
  const char* v = std::getenv(kTestRealtimeStepVariable);
  if (v == nullptr || *v == '\0') return;
  int id = -1;
  long long step = 0, after = -1;
  char extra = 0;
  if (std::sscanf(v, "%d:%lld:%lld%c", &id, &step, &after, &extra) != 3 || after < 0) {
    log::warn("agent {}: ignoring {}='{}': expected AGENT_ID:STEP_NS:AFTER_NS (integers, AFTER_NS >= 0)", agent_id,
              kTestRealtimeStepVariable, v);
    return;
  }
  if (id != agent_id) return;
  test_step_ns_ = step;
  test_step_after_ns_ = after;
  log::warn("agent {}: test-only {}: this agent's realtime clock steps by {} ns {} ns after its first test starts",
            agent_id, kTestRealtimeStepVariable, step, after);
}

inline void ClockWatch::rebase() {
  base_ns_ = realtimeMinusMonotonicNs();
  round_step_ns_ = 0;
}

inline void ClockWatch::beginRound() {
  round_step_ns_ = 0;
  sample();
}

inline void ClockWatch::started(int64_t start_mono_ns) {
  if (test_step_ns_ != 0 && !test_step_armed_) {
    test_step_armed_ = true;
    stepRealtimeForTesting(start_mono_ns + test_step_after_ns_, test_step_ns_);
  }
  sample();
}

inline void ClockWatch::sample() {
  const ClockPair now = readClockPair();
  if (now.gap_ns > clock_watch_detail::kUsableGapNs) return;  // this thread was preempted between the reads each time
  const int64_t step = now.realtime_minus_mono_ns - base_ns_;
  if ((step < 0 ? -step : step) > (round_step_ns_ < 0 ? -round_step_ns_ : round_step_ns_)) round_step_ns_ = step;
}

}  // namespace fabcheck::agent
