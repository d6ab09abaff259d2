#include "harness/agent/clock_watch.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "generators/core/clock.h"
#include "generators/core/log.h"

namespace fabcheck::agent {

namespace {

constexpr int kPairReads = 8;
constexpr int64_t kGoodGapNs = 20'000;    // a pair read this tight is good enough: stop trying
constexpr int64_t kUsableGapNs = 250'000; // a sample looser than this (preempted every try) is skipped

}  // namespace

ClockPair readClockPair() {
  ClockPair best{0, INT64_MAX};
  for (int i = 0; i < kPairReads && best.gap_ns > kGoodGapNs; ++i) {
    const int64_t m0 = monoNowNs();
    const int64_t r = wallNowNs();
    const int64_t m1 = monoNowNs();
    if (m1 - m0 < best.gap_ns) best = {r - (m0 + (m1 - m0) / 2), m1 - m0};
  }
  return best;
}

int64_t realtimeMinusMonotonicNs() { return readClockPair().realtime_minus_mono_ns; }

ClockWatch::ClockWatch(int agent_id) : base_ns_(realtimeMinusMonotonicNs()) {
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

void ClockWatch::rebase() {
  base_ns_ = realtimeMinusMonotonicNs();
  round_step_ns_ = 0;
}

void ClockWatch::beginRound() {
  round_step_ns_ = 0;
  sample();
}

void ClockWatch::started(int64_t start_mono_ns) {
  if (test_step_ns_ != 0 && !test_step_armed_) {
    test_step_armed_ = true;
    stepRealtimeForTesting(start_mono_ns + test_step_after_ns_, test_step_ns_);
  }
  sample();
}

void ClockWatch::sample() {
  const ClockPair now = readClockPair();
  if (now.gap_ns > kUsableGapNs) return;  // this thread was preempted between the reads each time
  const int64_t step = now.realtime_minus_mono_ns - base_ns_;
  if ((step < 0 ? -step : step) > (round_step_ns_ < 0 ? -round_step_ns_ : round_step_ns_)) round_step_ns_ = step;
}

}  // namespace fabcheck::agent
